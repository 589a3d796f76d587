using Microsoft.Extensions.Options;
using Newsletter.Core.Configuration;

namespace Newsletter.Worker.Scheduling;

public static class SchedulingServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates (at start-up) <see cref="ScheduleOptions"/> and registers the <see cref="PublishJob"/> the weekly
    /// schedule runs (and <c>publish</c> reads the schedule's time zone from).
    /// </summary>
    public static IServiceCollection AddPublishSchedule(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ScheduleOptions>().BindSection(ScheduleOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScheduleOptions>, ScheduleOptionsValidator>();
        services.AddTransient<PublishJob>();
        return services;
    }
}
