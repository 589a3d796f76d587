using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Monitoring;

namespace Newsletter.Tests.Support;

/// <summary>
/// Every measurement one <see cref="NewsletterMetrics"/> records, kept for assertions: a <see cref="MeterListener"/> on that
/// meter instance only, so other hosts' and tests' meters never count.
/// </summary>
public sealed class RecordedMetrics : IDisposable
{
    private readonly ServiceProvider? _services;
    private readonly MeterListener _listener;
    private readonly ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

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
            _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
            metrics = new NewsletterMetrics(_services.GetRequiredService<IMeterFactory>());
        }
        Metrics = metrics;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, Metrics.Meter)) l.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        _listener.Start();
    }

    public NewsletterMetrics Metrics { get; }

    /// <summary>The sum of what <paramref name="instrument"/> recorded with at least these tags.</summary>
    public double Sum(string instrument, params (string Key, string Value)[] tags) => _measurements
        .Where(m => m.Instrument == instrument && tags.All(t => m.Tags.Any(kv => kv.Key == t.Key && Equals(kv.Value?.ToString(), t.Value))))
        .Sum(m => m.Value);

    /// <summary>How many measurements <paramref name="instrument"/> recorded with at least these tags.</summary>
    public int Count(string instrument, params (string Key, string Value)[] tags) => _measurements
        .Count(m => m.Instrument == instrument && tags.All(t => m.Tags.Any(kv => kv.Key == t.Key && Equals(kv.Value?.ToString(), t.Value))));

    public void Dispose()
    {
        _listener.Dispose();
        _services?.Dispose();
    }
}
