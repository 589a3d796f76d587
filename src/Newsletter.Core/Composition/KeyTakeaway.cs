namespace Newsletter.Core.Composition;

/// <summary>One line of the "Key Takeaways", taken from a story's takeaway.</summary>
public sealed record KeyTakeaway(string StorySlug, string StoryTitle, string Text);
