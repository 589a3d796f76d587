namespace Newsletter.Core.Clicks;

/// <summary>
/// One story link of a sent issue, as the store keeps it: the redirect at <c>/r/{IssueNumber}/{LinkId}/…</c> goes to
/// <see cref="Target"/>, read from here and never from the request. The same for every reader and every list: nothing in it
/// names a reader.
/// </summary>
/// <param name="LinkId">1, 2, … in the issue's reading order.</param>
/// <param name="Section">The heading the story is shown under ("The Big Story", "News", …).</param>
public sealed record TrackedLink(int IssueNumber, int LinkId, Uri Target, string StorySlug, string StoryTitle, string Section);
