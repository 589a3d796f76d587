namespace Newsletter.Core.Lists;

/// <summary>A named list from the config file, validated.</summary>
/// <param name="Name">The key under <c>Newsletter:Lists</c>, used on the command line and in List-Id.</param>
/// <param name="Subscribers">
/// The subscribers, each address once. For a CSV list this is read from the file as it is enumerated, so a list of any
/// size costs no memory: enumerate it once per use, never hold it in a collection.
/// </param>
/// <param name="SubscriberCount">How many <paramref name="Subscribers"/> yields, as counted when the list was validated.</param>
public sealed record MailingList(string Name, string DisplayName, IEnumerable<Subscriber> Subscribers, int SubscriberCount)
    : ListIdentity(Name, DisplayName)
{
    /// <summary>A list held in memory (inline subscribers, tests).</summary>
    public MailingList(string name, string displayName, IReadOnlyCollection<Subscriber> subscribers)
        : this(name, displayName, subscribers, subscribers.Count)
    {
    }
}
