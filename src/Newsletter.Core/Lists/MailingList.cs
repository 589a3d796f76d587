namespace Newsletter.Core.Lists;

/// <summary>A named list from the config file, with duplicates already removed.</summary>
/// <param name="Name">The key under <c>Newsletter:Lists</c>, used on the command line and in List-Id.</param>
public sealed record MailingList(string Name, string DisplayName, IReadOnlyList<Subscriber> Subscribers);
