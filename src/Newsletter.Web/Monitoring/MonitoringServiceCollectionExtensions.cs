using System.Diagnostics.Metrics;
using Newsletter.Core.Monitoring;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Newsletter.Web.Monitoring;

public static class MonitoringServiceCollectionExtensions
{
    /// <summary>How long one /healthz check may take before it counts as failed.</summary>
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// What <c>run</c> serves at <c>/metrics</c> and <c>/healthz</c>: the OpenTelemetry SDK collecting the
    /// <see cref="NewsletterMetrics.MeterName"/> meter (and the runtime's own <c>System.Runtime</c> meter) for its Prometheus
    /// exporter, the <see cref="GaugeReadings"/>, and the <c>store</c> and <c>jobs</c> health checks. Needs
    /// <see cref="NewsletterMetrics"/> registered (the host does it).
    /// </summary>
    public static IServiceCollection AddMonitoring(this IServiceCollection services)
    {
        services.AddSingleton<GaugeReadings>();
        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", timeout: CheckTimeout)
            .AddCheck<JobStorageHealthCheck>("jobs", timeout: CheckTimeout);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("newsletter"))
            .WithMetrics(metrics => metrics
                .AddMeter(NewsletterMetrics.MeterName, "System.Runtime")
                .AddPrometheusExporter());
        services.ConfigureOpenTelemetryMeterProvider((provider, builder) =>
        {
            // The SDK listens to every meter of that name in the process. A meter made by another host's factory (two hosts
            // in one process, as in the tests) is that host's business: drop its instruments here.
            var own = provider.GetRequiredService<IMeterFactory>();
            builder.AddView(instrument => instrument.Meter.Scope is { } scope && !ReferenceEquals(scope, own) ? MetricStreamConfiguration.Drop : null);
        });
        return services;
    }
}
