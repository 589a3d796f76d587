using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.OperatorFiles.Lists;

namespace Newsletter.Tests.Lists;

public sealed class ListsServiceCollectionExtensionsTests
{
    private static ServiceProvider Services(string badAddress, bool validateAtStart)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Newsletter:Lists:sample:DisplayName"] = "Sample readers",
            ["Newsletter:Lists:sample:Subscribers:0:Email"] = "ada@example.com",
            ["Newsletter:Lists:sample:Subscribers:1:Email"] = badAddress,
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddNewsletterLists(validateAtStart);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddNewsletterLists_FailsWithTheLoadersMessage_WhenValidatingAtStartAndAnAddressIsInvalid()
    {
        using var services = Services("bob@@example", validateAtStart: true);

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ListsOptions>>().Value);

        Assert.Contains("Newsletter:Lists:sample:Subscribers:1:Email: 'bob@@example'", e.Message);
    }

    [Fact]
    public void AddNewsletterLists_DoesNotReadTheLists_WhenNotValidatingAtStart()
    {
        using var services = Services("bob@@example", validateAtStart: false);

        var options = services.GetRequiredService<IOptions<ListsOptions>>().Value;

        Assert.Equal(["sample"], options.Lists.Keys);
    }

    [Fact]
    public void AddNewsletterLists_ServesTheConfiguredLists_ThroughTheCatalog()
    {
        using var services = Services("grace@example.com", validateAtStart: true);

        var list = Assert.Single(services.GetRequiredService<MailingListCatalog>().Resolve([]));

        Assert.Equal(("sample", "Sample readers", 2), (list.Name, list.DisplayName, list.SubscriberCount));
    }
}
