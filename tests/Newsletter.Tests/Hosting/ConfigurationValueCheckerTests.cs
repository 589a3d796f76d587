using Microsoft.Extensions.Configuration;
using Newsletter.Hosting.Configuration;
using Newsletter.OperatorFiles.Lists;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// The type check every options section goes through, on the largest section there is: a list with its readers written
/// inline in appsettings.json. Strings take any value, so the readers' Email and Name are never looked at here (the list's
/// loader checks each address); what can be wrong (a Signup's Enabled) still is.
/// </summary>
public sealed class ConfigurationValueCheckerTests
{
    [Fact]
    public void Check_ReadsNoMoreKeysForAThousandInlineReadersThanForOne()
    {
        var one = KeysReadChecking(InlineList(1));
        var thousand = KeysReadChecking(InlineList(1000));

        Assert.Equal(one, thousand);
    }

    [Fact]
    public void Check_ReportsABadValueBesideInlineReaders_WhenASignupIsNotTrueOrFalse()
    {
        var settings = InlineList(3);
        settings["Newsletter:Lists:weekly:Signup:Enabled"] = "yes";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        var problem = Assert.Single(ConfigurationValueChecker.Check(typeof(Dictionary<string, MailingListOptions>), configuration.GetSection(ListsOptions.SectionName)));

        Assert.Equal("Newsletter:Lists:weekly:Signup:Enabled", problem.Key);
        Assert.Equal("yes", problem.Value);
    }

    private static Dictionary<string, string?> InlineList(int readers)
    {
        var settings = new Dictionary<string, string?> { ["Newsletter:Lists:weekly:DisplayName"] = "Weekly" };
        for (var i = 0; i < readers; i++)
        {
            settings[$"Newsletter:Lists:weekly:Subscribers:{i}:Email"] = $"reader{i}@example.org";
            settings[$"Newsletter:Lists:weekly:Subscribers:{i}:Name"] = $"Reader {i}";
        }
        return settings;
    }

    private static int KeysReadChecking(Dictionary<string, string?> settings)
    {
        var provider = new CountingProvider(settings);
        var configuration = new ConfigurationBuilder().Add(provider).Build();
        provider.Reads = 0;

        Assert.Empty(ConfigurationValueChecker.Check(typeof(Dictionary<string, MailingListOptions>), configuration.GetSection(ListsOptions.SectionName)));
        return provider.Reads;
    }

    /// <summary>Settings in memory that count every look-up and every listing of a section's children.</summary>
    private sealed class CountingProvider : ConfigurationProvider, IConfigurationSource
    {
        public CountingProvider(Dictionary<string, string?> settings)
        {
            foreach (var (key, value) in settings) Data[key] = value;
        }

        public int Reads { get; set; }

        public override bool TryGet(string key, out string? value)
        {
            Reads++;
            return base.TryGet(key, out value);
        }

        public override IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath)
        {
            Reads++;
            return base.GetChildKeys(earlierKeys, parentPath);
        }

        public IConfigurationProvider Build(IConfigurationBuilder builder) => this;
    }
}
