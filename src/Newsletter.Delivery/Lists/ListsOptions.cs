namespace Newsletter.Delivery.Lists;

/// <summary>All mailing lists, keyed by list name. Bound from the section <c>Newsletter:Lists</c> (the dictionary is the section).</summary>
public sealed class ListsOptions
{
    public const string SectionName = "Newsletter:Lists";

    public Dictionary<string, MailingListOptions> Lists { get; } = new(StringComparer.OrdinalIgnoreCase);
}
