using System.Globalization;

namespace Newsletter.Benchmarks;

/// <summary>The command line of the benchmark; see <see cref="Usage"/>.</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage = """
        Newsletter.Benchmarks: the full publish pipeline against Postfix's smtp-sink, next to smtp-source on the same sink.

          --subscribers N     subscribers in the generated list (default 10000)
          --connections C     SMTP connections: Hangfire workers for us, -s C for smtp-source (default 4)
          --repeat R          runs of each side; medians are printed (default 3)
          --batch-size B      Newsletter:Delivery:BatchSize (default 1000, as in appsettings.json)
          --set KEY=VALUE     any other setting, e.g. --set Newsletter:Jobs:PollIntervalSeconds=0.2 (repeatable)
          --label TEXT        name of this configuration in the output (default "full pipeline")
          --profile           also time each stage on its own (render, build, serialise, SMTP, delivery log)
          --smoke             300 subscribers, one run, no profile: checks that everything works, in seconds
          --smtp HOST:PORT    use this SMTP server instead of starting smtp-sink (no smtp-source baseline then)
          --help              this text
        """;

    public int Subscribers { get; init; } = 10_000;

    public int Connections { get; init; } = 4;

    public int Repeat { get; init; } = 3;

    public int BatchSize { get; init; } = 1000;

    public string Label { get; init; } = "full pipeline";

    public bool Profile { get; init; }

    public bool Smoke { get; init; }

    public bool Help { get; init; }

    public string? Smtp { get; init; }

    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Set in the child process that runs one measurement: the sink it sends to.</summary>
    public string? ChildOf { get; init; }

    /// <exception cref="ArgumentException">An unknown option or a bad value; the message says which.</exception>
    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions();
        var settings = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{args[i - 1]} needs a positive whole number, not '{args[i]}'.");
            options = args[i] switch
            {
                "--subscribers" => options with { Subscribers = Number() },
                "--connections" => options with { Connections = Number() },
                "--repeat" => options with { Repeat = Number() },
                "--batch-size" => options with { BatchSize = Number() },
                "--label" => options with { Label = Value() },
                "--profile" => options with { Profile = true },
                "--smoke" => options with { Smoke = true, Subscribers = 300, Repeat = 1 },
                "--smtp" => options with { Smtp = Value() },
                "--help" or "-h" => options with { Help = true },
                "--child-of" => options with { ChildOf = Value() },
                "--set" => AddSetting(options, settings, Value()),
                _ => throw new ArgumentException($"Unknown option '{args[i]}'.{Environment.NewLine}{Usage}"),
            };
        }

        return options with { Settings = settings };
    }

    /// <summary>The arguments that make a child process measure the same configuration once.</summary>
    public IEnumerable<string> ChildArguments(string sink)
    {
        yield return "--child-of";
        yield return sink;
        yield return "--subscribers";
        yield return Subscribers.ToString(CultureInfo.InvariantCulture);
        yield return "--connections";
        yield return Connections.ToString(CultureInfo.InvariantCulture);
        yield return "--batch-size";
        yield return BatchSize.ToString(CultureInfo.InvariantCulture);
        if (Profile)
            yield return "--profile";
        foreach (var (key, value) in Settings)
        {
            yield return "--set";
            yield return $"{key}={value}";
        }
    }

    private static BenchmarkOptions AddSetting(BenchmarkOptions options, Dictionary<string, string> settings, string pair)
    {
        var equals = pair.IndexOf('=');
        if (equals <= 0)
            throw new ArgumentException($"--set needs KEY=VALUE, not '{pair}'.");
        settings[pair[..equals]] = pair[(equals + 1)..];
        return options;
    }
}
