using Newsletter.Tests.Support;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Tests.Scheduling;

/// <summary>"Today" for the weekly job and <c>publish</c>: the date in the schedule's time zone, at the boundaries where it differs from UTC's.</summary>
public sealed class ScheduleCalendarTests
{
    private static DateOnly TodayIn(string timeZone, string utcNow) =>
        ScheduleCalendar.Today(new ScheduleOptions { TimeZone = timeZone }, new ManualClock(DateTimeOffset.Parse(utcNow, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Today_IsAlreadyMonday_WhenItIsSundayEveningInUtcButPastMidnightInLondonSummerTime()
    {
        Assert.Equal(new DateOnly(2026, 4, 6), TodayIn("Europe/London", "2026-04-05T23:30:00Z"));
    }

    [Fact]
    public void Today_IsStillSunday_WhenItIsMondayInUtcButBeforeMidnightInNewYork()
    {
        Assert.Equal(new DateOnly(2026, 4, 5), TodayIn("America/New_York", "2026-04-06T03:30:00Z"));
    }

    [Fact]
    public void Today_TurnsAtUtcMidnight_WhenTheScheduleIsInUtc()
    {
        Assert.Equal(new DateOnly(2026, 4, 5), TodayIn("UTC", "2026-04-05T23:59:59Z"));
        Assert.Equal(new DateOnly(2026, 4, 6), TodayIn("UTC", "2026-04-06T00:00:00Z"));
    }
}
