namespace Newsletter.Core.Errors;

/// <summary>No valid list of this name is configured under <c>Newsletter:Lists</c>.</summary>
/// <param name="configured">The lists that are configured (and valid), to name them in the message.</param>
public sealed class ListNotFoundException(string listName, IReadOnlyCollection<string> configured)
    : NewsletterException($"There is no list '{listName}' under Newsletter:Lists. Configured lists: " +
                          (configured.Count == 0 ? "none" : string.Join(", ", configured)) + ".")
{
    public string ListName { get; } = listName;
}
