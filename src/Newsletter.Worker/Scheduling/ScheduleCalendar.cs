namespace Newsletter.Worker.Scheduling;

/// <summary>
/// "Today" as the schedule reads it: the date in <see cref="ScheduleOptions.TimeZone"/>, not on this machine's clock or in
/// UTC. The weekly job and <c>publish</c> without <c>--date</c> both publish the week ending on this day.
/// </summary>
public static class ScheduleCalendar
{
    /// <summary>The date it is now in the schedule's time zone.</summary>
    /// <exception cref="TimeZoneNotFoundException">The time zone is unknown (the options validator refuses it at start).</exception>
    public static DateOnly Today(ScheduleOptions schedule, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(clock);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone)).DateTime);
    }
}
