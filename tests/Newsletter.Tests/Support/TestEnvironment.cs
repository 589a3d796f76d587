namespace Newsletter.Tests.Support;

/// <summary>
/// A throwaway working folder with its own SQLite store, Hangfire database and outbox, and the settings that point
/// the service at them, at the repository's real stories and templates, and (optionally) at a test SMTP server.
/// </summary>
public sealed class TestEnvironment : IDisposable
{
    private readonly TempFolder _folder = new();

    public TestEnvironment()
    {
        Directory = _folder.Path;
        Settings = new Dictionary<string, string?>
        {
            ["Newsletter:Store:Path"] = Path.Combine(Directory, "newsletter.db"),
            ["Newsletter:Jobs:StoragePath"] = Path.Combine(Directory, "hangfire.db"),
            ["Newsletter:Jobs:WorkerCount"] = "4",
            ["Newsletter:Jobs:PollIntervalSeconds"] = "0.2",
            ["Newsletter:Stories:Directory"] = Path.Combine(RepoPaths.Root, "stories"),
            ["Newsletter:Rendering:TemplatesDirectory"] = Path.Combine(RepoPaths.Root, "templates"),
            ["Newsletter:Branding:Name"] = "Tensor Weekly",
            ["Newsletter:Branding:PostalAddress"] = "1 Test Street, Testville",
            ["Newsletter:Sender:FromAddress"] = "editor@newsletter.test",
            ["Newsletter:Sender:FromName"] = "Tensor Weekly",
            ["Newsletter:Sender:ReplyTo"] = "replies@newsletter.test",
            ["Newsletter:Sender:PublicBaseUrl"] = "https://newsletter.test",
            ["Newsletter:Unsubscribe:SecretKey"] = "a-test-secret-that-is-long-enough-0123456789",
            ["Newsletter:Unsubscribe:KeyFile"] = Path.Combine(Directory, "unsubscribe.key"),
            ["Newsletter:Delivery:Transport"] = "Pickup",
            ["Newsletter:Delivery:PickupDirectory"] = Path.Combine(Directory, "outbox"),
            ["Newsletter:Delivery:BatchSize"] = "25",
            ["Newsletter:Schedule:TimeZone"] = "UTC",
        };
    }

    public string Directory { get; }

    public Dictionary<string, string?> Settings { get; }

    public TestEnvironment UseSmtp(int port)
    {
        Settings["Newsletter:Delivery:Transport"] = "Smtp";
        Settings["Newsletter:Delivery:Smtp:Host"] = "127.0.0.1";
        Settings["Newsletter:Delivery:Smtp:Port"] = port.ToString();
        Settings["Newsletter:Delivery:Smtp:Security"] = "None";
        return this;
    }

    /// <summary>Configures a list whose subscribers come from a CSV file written here: reader0000@example.com …</summary>
    public IReadOnlyList<string> AddCsvList(string name, int subscribers)
    {
        var addresses = Enumerable.Range(0, subscribers).Select(i => $"reader{i:D4}@example.com").ToList();
        var file = Path.Combine(Directory, $"{name}.csv");
        File.WriteAllLines(file, new[] { "email,name" }.Concat(addresses.Select((a, i) => $"{a},Reader {i}")));
        Settings[$"Newsletter:Lists:{name}:DisplayName"] = $"{name} readers";
        Settings[$"Newsletter:Lists:{name}:SubscribersFile"] = file;
        return addresses;
    }

    /// <summary>The settings as the environment variables the real executable reads (Newsletter__Store__Path, …).</summary>
    public IEnumerable<KeyValuePair<string, string?>> AsEnvironmentVariables() =>
        Settings.Select(kv => KeyValuePair.Create(kv.Key.Replace(":", "__"), kv.Value));

    public void Dispose() => _folder.Dispose();
}
