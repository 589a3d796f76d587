using Microsoft.Extensions.Options;
using Newsletter.Hosting.Configuration;

namespace Newsletter.Worker.Scheduling;

public static class SchedulingServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates (at start-up) <see cref="ScheduleOptions"/> and registers the <see cref="PublishJob"/> the weekly
    /// schedule runs (and <c>publish</c> reads the schedule's time zone from).
    /// </summary>
    /// <param name="keepSchedule">
    /// Make the job storage's recurring job match the options when the host starts (<see cref="PublishScheduleRegistration"/>):
    /// for <c>run</c>, the process that stays up to fire it.
    /// </param>
    public static IServiceCollection AddPublishSchedule(this IServiceCollection services, bool keepSchedule)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ScheduleOptions>().BindSection(ScheduleOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScheduleOptions>, ScheduleOptionsValidator>();
        services.AddTransient<PublishJob>();
        if (keepSchedule)
        {
            services.AddHostedService<PublishScheduleRegistration>();
        }
        return services;
    }
}
