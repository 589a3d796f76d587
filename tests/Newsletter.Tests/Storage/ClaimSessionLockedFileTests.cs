using Microsoft.Data.Sqlite;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Storage;

namespace Newsletter.Tests.Storage;

/// <summary>
/// A sending loop's claim session on a SQLite file that another process holds locked longer than the busy timeout (an open
/// `sqlite3` transaction, a backup): what the worker knows is held, written once the lock goes, and sending carries on.
/// </summary>
public sealed class ClaimSessionLockedFileTests : IDisposable
{
    private readonly TempDatabase _file = new();

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task Session_WritesTheHeldSentAndClaimsTheNext_WhenTheFileWasLockedPastTheBusyTimeout()
    {
        var log = new TestDeliveryLog(_file.Database);
        var list = new MailingList("weekly", "Weekly", [new Subscriber("a@x.test", null), new Subscriber("b@x.test", null)]);
        var send = await log.CreateSendAsync(1, list, 2, null, CancellationToken.None);
        var ids = (await log.GetBatchAsync(send.Id, 0, CancellationToken.None)).Select(d => d.Id).ToList();
        await using var session = await log.OpenSessionAsync("w1", CancellationToken.None);
        Assert.Equal(ClaimResult.Claimed, await session.TryClaimAsync(ids[0], CancellationToken.None));
        await session.RecordSentAsync(ids[0], "250 ok", null, CancellationToken.None);

        // Another connection takes the write lock and keeps it past the busy timeout.
        await using var holder = new SqliteConnection($"Data Source={_file.FilePath};Pooling=False");
        await holder.OpenAsync();
        await using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            await begin.ExecuteNonQueryAsync();
        }
        var claiming = session.TryClaimAsync(ids[1], CancellationToken.None);
        // Twice the timeout: Microsoft.Data.Sqlite may retry a busy statement on its own for up to its command timeout too.
        await Task.Delay(SqliteDatabase.BusyTimeout * 2 + TimeSpan.FromSeconds(1));
        var finishedWhileLocked = claiming.IsCompleted;
        await using (var rollback = holder.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        var claimed = await claiming.WaitAsync(TimeSpan.FromSeconds(30));
        var states = (await new TestDeliveryLog(_file.Database).GetBatchAsync(send.Id, 0, CancellationToken.None)).Select(d => d.State).ToList();

        Assert.False(finishedWhileLocked);
        Assert.Equal(ClaimResult.Claimed, claimed);
        Assert.Equal([DeliveryState.Sent, DeliveryState.Sending], states);
    }
}
