namespace Newsletter.Core.Clicks;

/// <summary>
/// How many clicks one link of an issue had in one hour (<see cref="Bucket"/>, the hour's start in UTC). The only thing kept
/// about a click: no address, no time finer than the hour, no user agent.
/// </summary>
public readonly record struct ClickCount(int IssueNumber, int LinkId, DateTimeOffset Bucket, long Clicks)
{
    /// <summary>The length of a bucket: clicks over time are counted per hour.</summary>
    public static readonly TimeSpan BucketLength = TimeSpan.FromHours(1);

    /// <summary>The start of the hour (UTC) that <paramref name="at"/> falls in.</summary>
    public static DateTimeOffset BucketOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }
}
