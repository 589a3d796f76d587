namespace Newsletter.Core.Lists;

/// <summary>
/// What a message needs to know about its list: the name (List-Id, Feedback-ID, unsubscribe tokens) and the display name
/// (List-Id's phrase, the footer). A send carries only the name and looks the display name up, so it works with this rather
/// than a <see cref="MailingList"/>, whose subscribers it never reads.
/// </summary>
/// <param name="Name">The key under <c>Newsletter:Lists</c>.</param>
/// <param name="DisplayName">The name readers see.</param>
public record ListIdentity(string Name, string DisplayName);
