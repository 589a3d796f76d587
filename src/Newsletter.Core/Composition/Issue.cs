using Newsletter.Core.Stories;

namespace Newsletter.Core.Composition;

/// <summary>
/// A composed issue. It holds its own copy of every story it shows, so later edits to
/// the story store never change an issue that was composed or sent.
/// </summary>
/// <param name="Number">Assigned by the issue store when the issue is saved; 0 for a draft.</param>
/// <param name="Intro">The editor's opening note, if the week has one.</param>
/// <param name="Featured">"The Big Story".</param>
/// <param name="Sections">The other sections in issue order (news, papers, media, closing); empty ones are left out.</param>
public sealed record Issue(
    int Number,
    DateOnly WeekEnding,
    DateTimeOffset ComposedAt,
    string Subject,
    string Preheader,
    Story? Intro,
    Story Featured,
    IReadOnlyList<KeyTakeaway> KeyTakeaways,
    IReadOnlyList<IssueSection> Sections)
{
    /// <summary>The first day of the week the issue covers.</summary>
    public DateOnly WeekStarting => WeekEnding.AddDays(-6);

    /// <summary>Every story the issue shows, in reading order.</summary>
    public IEnumerable<Story> AllStories =>
        (Intro is null ? [] : new[] { Intro }).Append(Featured).Concat(Sections.SelectMany(s => s.Stories));
}
