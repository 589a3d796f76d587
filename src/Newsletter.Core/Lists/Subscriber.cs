namespace Newsletter.Core.Lists;

/// <summary>One recipient of a list. <see cref="Email"/> is already validated and trimmed.</summary>
public sealed record Subscriber(string Email, string? Name);
