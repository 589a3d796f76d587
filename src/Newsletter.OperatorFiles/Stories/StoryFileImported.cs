namespace Newsletter.OperatorFiles.Stories;

/// <summary>Progress of a folder import: one file done.</summary>
/// <param name="Slug">Null when the file failed before its slug was known.</param>
/// <param name="Error">Set when <paramref name="Outcome"/> is <see cref="StoryImportOutcome.Failed"/>.</param>
public sealed record StoryFileImported(string Path, StoryImportOutcome Outcome, string? Slug, StoryFileException? Error);
