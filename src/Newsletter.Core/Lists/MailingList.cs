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

    /// <summary>
    /// This list with the readers who joined it from the web: the configured subscribers first, as they are, then each joined
    /// reader whose <see cref="EmailKey"/> the configuration does not already hold, so nobody is in the list twice. Still
    /// streamed: only the joined readers are held in memory. <see cref="SubscriberCount"/> becomes an upper bound (an address
    /// both configured and joined is counted twice there, and yielded once).
    /// </summary>
    public MailingList WithJoined(IReadOnlyCollection<Subscriber> joined)
    {
        ArgumentNullException.ThrowIfNull(joined);
        return joined.Count == 0 ? this : this with { Subscribers = Merge(Subscribers, joined), SubscriberCount = SubscriberCount + joined.Count };
    }

    private static IEnumerable<Subscriber> Merge(IEnumerable<Subscriber> configured, IReadOnlyCollection<Subscriber> joined)
    {
        var notConfigured = new Dictionary<EmailKey, Subscriber>();
        foreach (var reader in joined)
        {
            notConfigured.TryAdd(EmailKey.Of(reader.Email), reader);
        }
        foreach (var subscriber in configured)
        {
            notConfigured.Remove(EmailKey.Of(subscriber.Email));
            yield return subscriber;
        }
        foreach (var reader in joined)
        {
            if (notConfigured.Remove(EmailKey.Of(reader.Email)))
            {
                yield return reader;
            }
        }
    }
}
