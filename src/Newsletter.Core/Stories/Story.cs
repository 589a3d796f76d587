namespace Newsletter.Core.Stories;

/// <summary>One item the editor collected for the week, as stored.</summary>
/// <param name="Slug">Stable id (lowercase letters, digits and hyphens); re-importing the same slug updates the story.</param>
/// <param name="SummaryMarkdown">The summary in Markdown; the only story field rendered as HTML rather than escaped.</param>
/// <param name="Takeaway">The optional one-line "→" commentary; also feeds the Key Takeaways.</param>
/// <param name="Venue">For papers: the conference or journal, e.g. "CLeaR 2026".</param>
public sealed record Story(
    string Slug,
    StorySection Section,
    string Title,
    DateOnly Date,
    string Source,
    Uri? Url,
    string SummaryMarkdown,
    string? Takeaway = null,
    bool Featured = false,
    int Priority = 0,
    IReadOnlyList<string>? Tags = null,
    string? Venue = null)
{
    public IReadOnlyList<string> Tags { get; init; } = Tags ?? [];
}
