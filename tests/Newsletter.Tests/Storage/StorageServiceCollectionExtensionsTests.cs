using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Stories;
using Newsletter.Storage;

namespace Newsletter.Tests.Storage;

public sealed class StorageServiceCollectionExtensionsTests : IDisposable
{
    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddStore()
            .BuildServiceProvider();

    [Fact]
    public async Task AddStore_ResolvesStoresOnTheConfiguredFile_WhenPathIsSet()
    {
        await using var services = Build(new() { ["Newsletter:Store:Path"] = _temp.FilePath });

        var stories = services.GetRequiredService<IStoryStore>();
        await stories.UpsertAsync(TestStories.News("a", new DateOnly(2026, 4, 1)), CancellationToken.None);

        Assert.True(File.Exists(_temp.FilePath));
        Assert.IsType<SqliteDatabase>(services.GetRequiredService<StoreDatabase>());
        Assert.Same(services.GetRequiredService<StoreDatabase>(), services.GetRequiredService<StoreDatabase>());
        Assert.IsType<IssueStore>(services.GetRequiredService<IIssueStore>());
        // The delivery log is one class per role, each a singleton.
        Assert.IsType<SendStore>(services.GetRequiredService<ISendStore>());
        Assert.IsType<DeliveryClaims>(services.GetRequiredService<IDeliveryClaims>());
        Assert.IsType<DeliveryProgress>(services.GetRequiredService<IDeliveryProgress>());
        Assert.IsType<WorkerHeartbeats>(services.GetRequiredService<IWorkerHeartbeats>());
        Assert.IsType<SentMessageLookup>(services.GetRequiredService<ISentMessageLookup>());
        Assert.Same(services.GetRequiredService<IDeliveryClaims>(), services.GetRequiredService<IDeliveryClaims>());
    }

    [Fact]
    public async Task AddStore_UsesPostgreSql_WhenProviderIsPostgreSql()
    {
        await using var services = Build(new()
        {
            ["Newsletter:Store:Provider"] = "PostgreSql",
            ["Newsletter:Store:ConnectionString"] = "Host=127.0.0.1;Port=1;Database=newsletter;Username=newsletter",
        });

        var database = Assert.IsType<PostgreSqlDatabase>(services.GetRequiredService<StoreDatabase>());
        Assert.Equal("database 'newsletter' on 127.0.0.1:1", database.Description);
    }

    [Fact]
    public async Task AddStore_FailsValidation_WhenPathIsEmpty()
    {
        await using var services = Build(new() { ["Newsletter:Store:Path"] = "" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StoreOptions>>().Value);

        Assert.Contains("Path", error.Message);
    }
}
