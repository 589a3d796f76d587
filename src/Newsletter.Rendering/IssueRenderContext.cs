namespace Newsletter.Rendering;

/// <summary>What a render needs besides the issue: facts about the list and the send, the same for every subscriber.</summary>
/// <param name="ListDisplayName">The mailing list's name, used in the footer's "why you get this" line.</param>
/// <param name="ViewInBrowserUrl">The public web copy of the issue.</param>
/// <param name="Links">The tracked URL of each story link, when clicks are counted; null writes the stories' own URLs.</param>
public sealed record IssueRenderContext(string ListDisplayName, Uri ViewInBrowserUrl, IssueLinks? Links = null);
