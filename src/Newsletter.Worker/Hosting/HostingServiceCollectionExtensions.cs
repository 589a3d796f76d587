using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Newsletter.Core.Monitoring;
using Newsletter.Storage;

namespace Newsletter.Worker.Hosting;

/// <summary>What every process needs before any area: its logging, its meters, and the rule that secrets never come from files.</summary>
public static class HostingServiceCollectionExtensions
{
    /// <summary>
    /// One line per log entry on stderr (command output on stdout, e.g. <c>status --json</c>, stays machine-readable), through
    /// a logger factory that redacts unsubscribe tokens before any provider sees them.
    /// </summary>
    public static IHostApplicationBuilder AddNewsletterLogging(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // Replaces the factory every logger comes from, so no provider (console, or any a test or operator adds) sees a token,
        // and Hangfire's retries during a store outage are folded into the outage's one line.
        builder.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(provider =>
        {
            var outage = new Lazy<StoreOutage?>(() =>
            {
                try
                {
                    return provider.GetService<StoreOutage>();
                }
                catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
                {
                    // A host shutting down, or one whose store cannot be built: a log entry must never throw, so it is logged as is.
                    return null;
                }
            });
            return new RedactingLoggerFactory(new StoreOutageLogFilter(
                new StartupFaultLogFilter(ActivatorUtilities.CreateInstance<LoggerFactory>(provider)), () => outage.Value));
        }));
        return builder;
    }

    /// <summary>The meter factory and <see cref="NewsletterMetrics"/>, which every area records to.</summary>
    public static IServiceCollection AddNewsletterMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.TryAddSingleton<NewsletterMetrics>();
        return services;
    }

    /// <summary>
    /// Refuses to start when a configuration file sets a secret (<see cref="ConfigurationSecrets.Keys"/>), through options
    /// validation, so every command reports it like any other configuration error (exit 2).
    /// </summary>
    public static IServiceCollection AddSecretsCheck(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ConfigurationSecrets>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConfigurationSecrets>, ConfigurationSecrets.Validator>());
        return services;
    }
}
