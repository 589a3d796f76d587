using Microsoft.Extensions.Options;

namespace Newsletter.Worker.Scheduling;

/// <summary>Rejects a time zone this machine does not know, before the weekly job is registered with it.</summary>
public sealed class ScheduleOptionsValidator : IValidateOptions<ScheduleOptions>
{
    public ValidateOptionsResult Validate(string? name, ScheduleOptions options) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{ScheduleOptions.SectionName}:TimeZone '{options.TimeZone}' is not a known time zone. " +
                "Use an IANA name such as \"Europe/London\" or \"UTC\".");
}
