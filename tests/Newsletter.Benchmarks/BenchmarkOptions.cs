using System.Globalization;

namespace Newsletter.Benchmarks;

/// <summary>The command line of the benchmark; see <see cref="Usage"/>.</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage = """
        Newsletter.Benchmarks: the real `newsletter` executable sending the sample issue into Postfix's smtp-sink, each line
        next to smtp-source on the same sink in the same run. Prints one table: msg/s, CPU s per 1,000 messages, peak working
        set, and the ratio to smtp-source. (tests/Newsletter.Benchmarks/run.sh builds it, starts PostgreSQL and runs it.)

          --lines L1,L2,...   which lines, in this order (default: all):
                                sqlite       SQLite store, one `newsletter run`
                                sqlite-dkim  the same with DKIM signing (a throwaway RSA-2048 key)
                                postgresql   PostgreSQL store, one `newsletter run` (needs --postgres)
                                scaling      PostgreSQL with 2 and 3 `newsletter run` processes on one send (--processes)
                                memory       SQLite at --memory-subscribers, for the peak working set
                                wait         `newsletter send --wait` alone on SQLite: the whole process, start to exit (issue #17)
                                wait-dkim    the same with DKIM signing
                                wait-postgresql  the same on PostgreSQL (needs --postgres)
                                wait-memory  `send --wait` on SQLite at --memory-subscribers, for its peak resident set
                                ceiling      a minimal .NET client on raw sockets (no MailKit, no store) sending the same message over
                                             the same connections: what .NET itself reaches here (benchmark only, never the product)
          --subscribers N     subscribers in the generated list (default 10000)
          --repeat R          runs of each line, interleaved, each beside its own smtp-source run; medians (default 3)
          --memory-subscribers N   the memory line's list (default 200000)
          --memory-repeat R   runs of the memory line (default 1)
          --processes P1,P2   worker processes for the scaling line (default 1,2,3)
          --connections C     per process: Jobs:WorkerCount and Sending:Connections; smtp-source -s C (default 4)
          --batch-size B      Newsletter:Delivery:BatchSize (default 1000, as in appsettings.json)
          --postgres CONN     an Npgsql connection string to a server where throwaway databases may be created
          --set KEY=VALUE     a setting for every newsletter process, e.g. --set Newsletter:Jobs:PollIntervalSeconds=0.2 (repeatable)
          --env NAME=VALUE    an environment variable for every newsletter process, e.g. --env DOTNET_gcServer=1 (repeatable)
          --variant "LABEL;NAME=VALUE;..."   a further SQLite line with these environment variables (GC settings, …),
                              its runs interleaved with the others' (repeatable)
          --baseline-dll PATH another build's newsletter.dll (e.g. main's): each wait line gets a twin run with it, interleaved
          --profile           also time each stage on its own, in one extra process (render, build, serialise, SMTP, delivery log)
          --smoke             every line at 300 subscribers (memory: 3,000), one run, no profile: checks that all works
          --help              this text
        """;

    public static readonly string[] AllLines = ["sqlite", "sqlite-dkim", "postgresql", "scaling", "memory", "wait", "wait-dkim", "wait-postgresql", "wait-memory", "ceiling"];

    public IReadOnlyList<string> Lines { get; init; } = AllLines;

    public int Subscribers { get; init; } = 10_000;

    public int Repeat { get; init; } = 3;

    public int MemorySubscribers { get; init; } = 200_000;

    public int MemoryRepeat { get; init; } = 1;

    public IReadOnlyList<int> Processes { get; init; } = [1, 2, 3];

    public int Connections { get; init; } = 4;

    public int BatchSize { get; init; } = 1000;

    public string? PostgreSql { get; init; }

    public string? BaselineDll { get; init; }

    public bool Profile { get; init; }

    public bool Smoke { get; init; }

    public bool Help { get; init; }

    /// <summary>The ceiling line was asked for (it runs beside the others' rounds, not as a <see cref="Line"/>).</summary>
    public bool Ceiling => Lines.Contains("ceiling");

    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<Variant> Variants { get; init; } = [];

    /// <summary>Set in the extra process that runs the stage profile: its work folder, set up by the parent.</summary>
    public string? ProfileIn { get; init; }

    /// <exception cref="ArgumentException">An unknown option or a bad value; the message says which and what is allowed.</exception>
    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions();
        var settings = new Dictionary<string, string>();
        var environment = new Dictionary<string, string>();
        var variants = new List<Variant>();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number() => PositiveNumber(args[i], Value());
            options = args[i] switch
            {
                "--lines" => options with { Lines = ParseLines(Value()) },
                "--subscribers" => options with { Subscribers = Number() },
                "--repeat" => options with { Repeat = Number() },
                "--memory-subscribers" => options with { MemorySubscribers = Number() },
                "--memory-repeat" => options with { MemoryRepeat = Number() },
                "--processes" => options with { Processes = Value().Split(',').Select(p => PositiveNumber("--processes", p)).Distinct().Order().ToList() },
                "--connections" => options with { Connections = Number() },
                "--batch-size" => options with { BatchSize = Number() },
                "--postgres" => options with { PostgreSql = Value() },
                "--baseline-dll" => options with { BaselineDll = Path.GetFullPath(Value()) },
                "--profile" => options with { Profile = true },
                "--smoke" => options with { Smoke = true, Subscribers = 300, Repeat = 1, MemorySubscribers = 3_000, MemoryRepeat = 1 },
                "--help" or "-h" => options with { Help = true },
                "--profile-in" => options with { ProfileIn = Value() },
                "--set" => Add(options, settings, "--set", Value()),
                "--env" => Add(options, environment, "--env", Value()),
                "--variant" => AddVariant(options, variants, Value()),
                _ => throw new ArgumentException($"Unknown option '{args[i]}'.{System.Environment.NewLine}{Usage}"),
            };
        }

        // --smoke sets sizes; an explicit size after it wins, but a profile is never part of a smoke run.
        return options with { Settings = settings, Environment = environment, Variants = variants, Profile = options.Profile && !options.Smoke };
    }

    private static IReadOnlyList<string> ParseLines(string value)
    {
        var lines = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var unknown = lines.Except(AllLines).ToList();
        if (unknown.Count > 0 || lines.Count == 0)
            throw new ArgumentException($"--lines: unknown line '{string.Join(",", unknown)}'; choose from {string.Join(", ", AllLines)}.");
        return lines;
    }

    private static int PositiveNumber(string option, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{option} needs a positive whole number, not '{text}'.");

    private static BenchmarkOptions Add(BenchmarkOptions options, Dictionary<string, string> into, string option, string pair)
    {
        var equals = pair.IndexOf('=');
        if (equals <= 0)
            throw new ArgumentException($"{option} needs NAME=VALUE, not '{pair}'.");
        into[pair[..equals]] = pair[(equals + 1)..];
        return options;
    }

    private static BenchmarkOptions AddVariant(BenchmarkOptions options, List<Variant> variants, string text)
    {
        var parts = text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length < 2)
            throw new ArgumentException($"--variant needs \"LABEL;NAME=VALUE;...\", e.g. \"server GC;DOTNET_gcServer=1\", not '{text}'.");
        var environment = new Dictionary<string, string>();
        foreach (var pair in parts.Skip(1))
            Add(options, environment, "--variant", pair);
        variants.Add(new Variant(parts[0], environment));
        return options;
    }
}

/// <summary>A further SQLite line run under extra environment variables (for GC and runtime settings).</summary>
internal sealed record Variant(string Label, IReadOnlyDictionary<string, string> Environment);
