using Newsletter.Core.Lists;
using Newsletter.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Storage;

public abstract class SuppressionListContract : StoreContract
{
    private readonly SuppressionList _suppressions;

    protected SuppressionListContract(TestStore store) : base(store) => _suppressions = new SuppressionList(Database);

    [Fact]
    public async Task Add_IsIdempotent_ForTheSameAddressAndList()
    {
        Assert.True(await _suppressions.AddAsync("a@x.test", "weekly", SuppressionReason.Unsubscribed, null, None));
        Assert.False(await _suppressions.AddAsync("A@X.TEST", "weekly", SuppressionReason.Unsubscribed, null, None));

        Assert.Single(await _suppressions.ListAsync(None));
    }

    [Fact]
    public async Task IsSuppressed_AppliesAnEverywhereSuppressionToEveryList()
    {
        await _suppressions.AddAsync("a@x.test", null, SuppressionReason.HardBounce, "550", None);

        Assert.True(await _suppressions.IsSuppressedAsync("a@x.test", "weekly", None));
        Assert.True(await _suppressions.IsSuppressedAsync("A@x.test", "another", None));
    }

    [Fact]
    public async Task IsSuppressed_KeepsAListSuppressionToItsList()
    {
        await _suppressions.AddAsync("a@x.test", "weekly", SuppressionReason.Unsubscribed, null, None);

        Assert.False(await _suppressions.IsSuppressedAsync("a@x.test", "another", None));
    }

    [Fact]
    public async Task Remove_TakesTheAddressOffEveryList()
    {
        await _suppressions.AddAsync("a@x.test", "weekly", SuppressionReason.Unsubscribed, null, None);
        await _suppressions.AddAsync("a@x.test", null, SuppressionReason.Refused, null, None);

        Assert.Equal(2, await _suppressions.RemoveAsync("A@x.test", None));
        Assert.False(await _suppressions.IsSuppressedAsync("a@x.test", "weekly", None));
    }
}

public sealed class SqliteSuppressionListTests() : SuppressionListContract(new SqliteTestStore());

public sealed class PostgreSqlSuppressionListTests(PostgreSqlDatabaseFixture database)
    : SuppressionListContract(new PostgreSqlTestStore(database)), IClassFixture<PostgreSqlDatabaseFixture>;
