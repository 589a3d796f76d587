using Newsletter.Core.Lists;
using Newsletter.Delivery.Lists;

namespace Newsletter.Worker.Lists;

/// <summary>The lists configured under <c>Newsletter:Lists</c>, as commands and jobs ask for them.</summary>
public sealed class MailingListCatalog(MailingListLoader loader)
{
    private volatile MailingListLoadResult? latest;

    /// <summary>Reads and validates every list now, so a send always goes to the file's current membership.</summary>
    public MailingListLoadResult Load() => latest = loader.Load();

    /// <summary>The named lists (every list when <paramref name="names"/> is empty), freshly loaded.</summary>
    /// <exception cref="CommandException">A list does not validate, or a name is not configured.</exception>
    public IReadOnlyList<MailingList> Resolve(IReadOnlyCollection<string> names)
    {
        var result = Load();
        if (result.Errors.Count > 0)
        {
            throw new CommandException("The lists are not valid, so nothing was sent:" + Environment.NewLine +
                                       string.Join(Environment.NewLine, result.Errors.Select(e => "  " + e)) + Environment.NewLine +
                                       "Fix them in appsettings.json (or the CSV files it names); `newsletter lists validate` checks them.");
        }

        if (names.Count == 0)
        {
            return result.Lists;
        }

        return names.Select(name => result.Lists.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new CommandException($"There is no list '{name}' under Newsletter:Lists. Configured lists: " +
                                          (result.Lists.Count == 0 ? "none" : string.Join(", ", result.Lists.Select(l => l.Name))) + "."))
            .ToList();
    }

    /// <summary>The display name for List-Id and the footer; the list's key if it has left the config since the send began.</summary>
    public string DisplayNameOf(string listName) =>
        (latest ?? Load()).Lists.FirstOrDefault(l => string.Equals(l.Name, listName, StringComparison.OrdinalIgnoreCase))?.DisplayName ?? listName;
}
