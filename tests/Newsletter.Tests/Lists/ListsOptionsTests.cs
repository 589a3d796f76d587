using Microsoft.Extensions.Configuration;
using Newsletter.OperatorFiles.Lists;

namespace Newsletter.Tests.Lists;

/// <summary>Reading an inline list from every source of the configuration, as the framework's binder would.</summary>
public sealed class ListsOptionsTests
{
    [Fact]
    public void FromConfiguration_ReadsInlineReadersInIndexOrder_WithALaterSourceOverridingOneAndAddingAnother()
    {
        var file = new Dictionary<string, string?> { ["Newsletter:Lists:weekly:DisplayName"] = "Weekly" };
        for (var i = 0; i < 12; i++)
        {
            file[$"Newsletter:Lists:weekly:Subscribers:{i}:Email"] = $"reader{i}@example.org";
        }
        var environment = new Dictionary<string, string?>
        {
            ["Newsletter:Lists:weekly:Subscribers:1:Email"] = "changed@example.org",
            ["Newsletter:Lists:weekly:Subscribers:12:Email"] = "added@example.org",
            ["Newsletter:Lists:weekly:Subscribers:12:Name"] = "Added",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(file).AddInMemoryCollection(environment).Build();

        var readers = ListsOptions.FromConfiguration(configuration).Lists["weekly"].Subscribers!;

        Assert.Equal(13, readers.Count);
        Assert.Equal("reader0@example.org", readers[0].Email);
        Assert.Equal("changed@example.org", readers[1].Email);
        Assert.Equal("reader2@example.org", readers[2].Email);
        Assert.Equal("reader10@example.org", readers[10].Email);
        Assert.Equal(("added@example.org", "Added"), (readers[12].Email, readers[12].Name));
    }
}
