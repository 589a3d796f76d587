using Microsoft.Extensions.Configuration;
using Newsletter.Hosting.Configuration;

namespace Newsletter.OperatorFiles.Lists;

/// <summary>All mailing lists, keyed by list name. Bound from the section <c>Newsletter:Lists</c> (the dictionary is the section).</summary>
public sealed class ListsOptions
{
    public const string SectionName = "Newsletter:Lists";

    public Dictionary<string, MailingListOptions> Lists { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Reads <c>Newsletter:Lists</c> in time linear in the number of subscribers. The framework binder enumerates the children
    /// of every subscriber entry, and each enumeration scans every key of the configuration: 30,000 inline subscribers took
    /// 30 to 90 s. Here only the lists and each list's Subscribers are enumerated; an entry's Email and Name are looked up.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A value cannot be read as its setting's type.</exception>
    public static ListsOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        var problems = ConfigurationValueChecker.Check(typeof(Dictionary<string, MailingListOptions>), section);
        if (problems.Count > 0)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(
                Microsoft.Extensions.Options.Options.DefaultName, typeof(ListsOptions), problems.Select(p => p.Describe(configuration)));
        }

        var options = new ListsOptions();
        foreach (var list in section.GetChildren())
        {
            var inline = list.GetSection(nameof(MailingListOptions.Subscribers));
            var subscribers = ChildKeys(configuration, inline)
                .Select(key => inline.GetSection(key))
                .Select(entry => new SubscriberOptions { Email = entry[nameof(SubscriberOptions.Email)], Name = entry[nameof(SubscriberOptions.Name)] })
                .ToList();
            options.Lists[list.Key] = new MailingListOptions
            {
                DisplayName = list[nameof(MailingListOptions.DisplayName)],
                SubscribersFile = list[nameof(MailingListOptions.SubscribersFile)],
                Subscribers = subscribers.Count == 0 ? null : subscribers,
                Signup = ReadSignup(list.GetSection(nameof(MailingListOptions.Signup))),
            };
        }
        return options;
    }

    /// <summary>
    /// The keys of <paramref name="section"/>'s children in every source of the configuration, in order (indexes as numbers).
    /// What <see cref="IConfiguration.GetChildren"/> returns, without its cost on a long inline list: it passes the keys found
    /// so far from each source to the next, which sorts them all again, so 30,000 readers were sorted once per source (ten in
    /// a host) with a comparer that splits and parses every key. Here each source lists its own keys once.
    /// </summary>
    private static IEnumerable<string> ChildKeys(IConfiguration configuration, IConfigurationSection section)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return section.GetChildren().Select(child => child.Key);
        }
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in root.Providers)
        {
            keys.UnionWith(provider.GetChildKeys([], section.Path));
        }
        return keys.Order(ConfigurationKeyComparer.Instance);
    }

    /// <summary>The list's Signup section; its values were type-checked above.</summary>
    internal static ListSignupOptions? ReadSignup(IConfigurationSection section) => section.Exists()
        ? new ListSignupOptions
        {
            Enabled = bool.TryParse(section[nameof(ListSignupOptions.Enabled)], out var enabled) && enabled,
            ConsentText = section[nameof(ListSignupOptions.ConsentText)],
        }
        : null;
}
