using Newsletter.Core.Monitoring;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Newsletter.Tests.Support;

/// <summary>
/// Every measurement one <see cref="NewsletterMetrics"/> records, kept for assertions: a <see cref="MeterListener"/> on that
/// meter instance only, so other hosts' and tests' meters never count.
/// </summary>
public sealed class RecordedMetrics : IDisposable
{
    private readonly ServiceProvider? services;
    private readonly MeterListener listener;
    private readonly ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> measurements = new();

    /// <summary>A <see cref="NewsletterMetrics"/> of its own, for code under test that takes one.</summary>
    public RecordedMetrics()
        : this(null)
    {
    }

    /// <summary>Listens to a host's own <see cref="NewsletterMetrics"/> (start listening before the host sends).</summary>
    public RecordedMetrics(NewsletterMetrics? metrics)
    {
        if (metrics is null)
        {
            services = new ServiceCollection().AddMetrics().BuildServiceProvider();
            metrics = new NewsletterMetrics(services.GetRequiredService<IMeterFactory>());
        }
        Metrics = metrics;
        listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, Metrics.Meter)) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        listener.Start();
    }

    public NewsletterMetrics Metrics { get; }

    /// <summary>The sum of what <paramref name="instrument"/> recorded with at least these tags.</summary>
    public double Sum(string instrument, params (string Key, string Value)[] tags) => measurements
        .Where(m => m.Instrument == instrument && tags.All(t => m.Tags.Any(kv => kv.Key == t.Key && Equals(kv.Value?.ToString(), t.Value))))
        .Sum(m => m.Value);

    /// <summary>How many measurements <paramref name="instrument"/> recorded with at least these tags.</summary>
    public int Count(string instrument, params (string Key, string Value)[] tags) => measurements
        .Count(m => m.Instrument == instrument && tags.All(t => m.Tags.Any(kv => kv.Key == t.Key && Equals(kv.Value?.ToString(), t.Value))));

    public void Dispose()
    {
        listener.Dispose();
        services?.Dispose();
    }
}
