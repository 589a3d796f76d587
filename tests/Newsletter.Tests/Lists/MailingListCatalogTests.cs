using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Newsletter.Core.Errors;
using Newsletter.OperatorFiles.Lists;

namespace Newsletter.Tests.Lists;

public sealed class MailingListCatalogTests
{
    private readonly IConfigurationRoot _configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Newsletter:Lists:weekly:DisplayName"] = "Weekly",
        ["Newsletter:Lists:weekly:Subscribers:0:Email"] = "first@example.com",
    }).Build();

    private MailingListCatalog Catalog() => new(_configuration, NullLogger<MailingListCatalog>.Instance);

    [Fact]
    public void Resolve_ReadsTheConfigurationAsItIsNow()
    {
        var catalog = Catalog();
        catalog.Resolve(["weekly"]);

        _configuration["Newsletter:Lists:weekly:Subscribers:1:Email"] = "second@example.com";

        Assert.Equal(["first@example.com", "second@example.com"], catalog.Resolve(["weekly"]).Single().Subscribers.Select(s => s.Email));
    }

    [Fact]
    public void Resolve_KeepsTheLastGoodLists_WhenAnEditDoesNotValidate()
    {
        var catalog = Catalog();
        catalog.Resolve(["weekly"]);

        _configuration["Newsletter:Lists:weekly:Subscribers:0:Email"] = "broken";

        Assert.Equal(["first@example.com"], catalog.Resolve(["weekly"]).Single().Subscribers.Select(s => s.Email));
        Assert.Contains(catalog.Rejected, e => e.Contains("Newsletter:Lists:weekly:Subscribers:0:Email: 'broken'"));
    }

    [Fact]
    public void Resolve_Throws_WhenTheListsHaveNeverValidated()
    {
        _configuration["Newsletter:Lists:weekly:Subscribers:0:Email"] = "broken";

        var error = Assert.Throws<InvalidListsException>(() => Catalog().Resolve(["weekly"]));

        Assert.Contains("'broken'", error.Message);
    }

    [Fact]
    public void Rejected_IsClearedByTheNextGoodEdit()
    {
        var catalog = Catalog();
        catalog.Resolve(["weekly"]);
        _configuration["Newsletter:Lists:weekly:Subscribers:0:Email"] = "broken";
        catalog.Refresh();

        _configuration["Newsletter:Lists:weekly:Subscribers:0:Email"] = "fixed@example.com";
        catalog.Refresh();

        Assert.Empty(catalog.Rejected);
        Assert.Equal("fixed@example.com", catalog.Resolve(["weekly"]).Single().Subscribers.Single().Email);
    }
}
