using Newsletter.Core.Deliveries;
using Newsletter.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Storage;

public sealed class SqliteRateLimiterTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly RateLimit TwentyPerSecond = new(20, TimeSpan.FromSeconds(1));
    private readonly TempDatabase temp = new();
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 4, 6, 7, 0, 0, TimeSpan.Zero));

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task TryAcquire_AdmitsAtMostTheLimitInAnyWindow_WhenAskedAsFastAsPossible()
    {
        var limiter = new SqliteRateLimiter(temp.Database, clock);
        var admitted = new List<DateTimeOffset>();
        var end = clock.Now.AddSeconds(3);
        while (clock.Now < end)
        {
            if (await limiter.TryAcquireAsync("smtp://x", [TwentyPerSecond], None) == TimeSpan.Zero)
            {
                admitted.Add(clock.Now);
            }
            clock.Advance(TimeSpan.FromMilliseconds(5));
        }

        var busiestSecond = admitted.Max(start => admitted.Count(t => t >= start && t < start.AddSeconds(1)));
        Assert.Equal(20, busiestSecond);
    }

    [Fact]
    public async Task TryAcquire_SaysHowLongToWait_WhenTheBucketIsEmpty()
    {
        var limiter = new SqliteRateLimiter(temp.Database, clock);
        await limiter.TryAcquireAsync("smtp://x", [TwentyPerSecond], None);

        Assert.Equal(TimeSpan.FromMilliseconds(50), await limiter.TryAcquireAsync("smtp://x", [TwentyPerSecond], None));
    }

    [Fact]
    public async Task TryAcquire_SharesTheBucketBetweenTwoProcessesOnTheSameStore()
    {
        var first = new SqliteRateLimiter(new SqliteDatabase(temp.FilePath), clock);
        var second = new SqliteRateLimiter(new SqliteDatabase(temp.FilePath), clock);

        Assert.Equal(TimeSpan.Zero, await first.TryAcquireAsync("smtp://x", [TwentyPerSecond], None));
        Assert.NotEqual(TimeSpan.Zero, await second.TryAcquireAsync("smtp://x", [TwentyPerSecond], None));
    }

    [Fact]
    public async Task TryAcquire_TakesNothing_WhenAnyOfSeveralLimitsIsSpent()
    {
        var limiter = new SqliteRateLimiter(temp.Database, clock);
        RateLimit[] limits = [TwentyPerSecond, new(1, TimeSpan.FromMinutes(1))];
        await limiter.TryAcquireAsync("smtp://x", limits, None);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await limiter.TryAcquireAsync("smtp://x", limits, None) > TimeSpan.FromSeconds(50));
    }
}
