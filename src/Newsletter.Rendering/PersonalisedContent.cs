namespace Newsletter.Rendering;

/// <summary>The two bodies of one subscriber's message.</summary>
/// <param name="Html">The HTML body, CSS inlined.</param>
/// <param name="Text">The plain-text body, wrapped at 72 columns.</param>
public sealed record PersonalisedContent(string Html, string Text);
