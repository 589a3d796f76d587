using Newsletter.Core.Stories;

namespace Newsletter.Core.Composition;

/// <summary>A titled run of stories in an issue, e.g. "Also This Week". Never empty.</summary>
public sealed record IssueSection(StorySection Kind, string Heading, IReadOnlyList<Story> Stories);
