using Newsletter.Core.Deliveries;
using Newsletter.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Storage;

public abstract class RateLimiterContract : StoreContract
{
    protected RateLimiterContract(TestStore store) : base(store)
    {
    }

    private static readonly RateLimit TwentyPerSecond = new(20, TimeSpan.FromSeconds(1));
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 4, 6, 7, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task TryAcquire_AdmitsAtMostTheLimitInAnyWindow_WhenAskedAsFastAsPossible()
    {
        var limiter = new RateLimiter(Database, _clock);
        var admitted = new List<DateTimeOffset>();
        var end = _clock.Now.AddSeconds(3);
        while (_clock.Now < end)
        {
            if (await limiter.TryAcquireAsync("smtp://x", [TwentyPerSecond], None) == TimeSpan.Zero)
            {
                admitted.Add(_clock.Now);
            }
            _clock.Advance(TimeSpan.FromMilliseconds(5));
        }

        var busiestSecond = admitted.Max(start => admitted.Count(t => t >= start && t < start.AddSeconds(1)));
        Assert.Equal(20, busiestSecond);
    }

    [Fact]
    public async Task TryAcquire_SaysHowLongToWait_WhenTheBucketIsEmpty()
    {
        var limiter = new RateLimiter(Database, _clock);
        await limiter.TryAcquireAsync("smtp://x", [TwentyPerSecond], None);

        Assert.Equal(TimeSpan.FromMilliseconds(50), await limiter.TryAcquireAsync("smtp://x", [TwentyPerSecond], None));
    }

    [Fact]
    public async Task TryAcquire_SharesTheBucketBetweenTwoProcessesOnTheSameStore()
    {
        var first = new RateLimiter(Store.OpenAgain(), _clock);
        var second = new RateLimiter(Store.OpenAgain(), _clock);

        Assert.Equal(TimeSpan.Zero, await first.TryAcquireAsync("smtp://x", [TwentyPerSecond], None));
        Assert.NotEqual(TimeSpan.Zero, await second.TryAcquireAsync("smtp://x", [TwentyPerSecond], None));
    }

    [Fact]
    public async Task TryAcquire_AdmitsOneMessage_WhenSixteenProcessesAskAtTheSameInstant()
    {
        // The clock stands still: with no burst allowed, exactly one of them may send now, however the requests interleave.
        var limiters = Enumerable.Range(0, 16).Select(_ => new RateLimiter(Store.OpenAgain(), _clock)).ToList();
        using var start = new Barrier(limiters.Count);

        var waits = await Task.WhenAll(limiters.Select(limiter => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return limiter.TryAcquireAsync("smtp://x", [TwentyPerSecond], None).GetAwaiter().GetResult();
        }, TaskCreationOptions.LongRunning)));

        Assert.Single(waits, wait => wait == TimeSpan.Zero);
    }

    [Fact]
    public async Task TryAcquire_TakesNothing_WhenAnyOfSeveralLimitsIsSpent()
    {
        var limiter = new RateLimiter(Database, _clock);
        RateLimit[] limits = [TwentyPerSecond, new(1, TimeSpan.FromMinutes(1))];
        await limiter.TryAcquireAsync("smtp://x", limits, None);
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await limiter.TryAcquireAsync("smtp://x", limits, None) > TimeSpan.FromSeconds(50));
    }
}

public sealed class SqliteRateLimiterTests() : RateLimiterContract(new SqliteTestStore());

public sealed class PostgreSqlRateLimiterTests(PostgreSqlDatabaseFixture database)
    : RateLimiterContract(new PostgreSqlTestStore(database)), IClassFixture<PostgreSqlDatabaseFixture>;
