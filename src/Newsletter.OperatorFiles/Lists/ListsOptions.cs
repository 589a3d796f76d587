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
            var subscribers = list.GetSection(nameof(MailingListOptions.Subscribers)).GetChildren()
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

    /// <summary>The list's Signup section; its values were type-checked above.</summary>
    internal static ListSignupOptions? ReadSignup(IConfigurationSection section) => section.Exists()
        ? new ListSignupOptions
        {
            Enabled = bool.TryParse(section[nameof(ListSignupOptions.Enabled)], out var enabled) && enabled,
            ConsentText = section[nameof(ListSignupOptions.ConsentText)],
        }
        : null;
}
