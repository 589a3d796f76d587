using System.Text.Json.Nodes;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;

namespace Newsletter.Tests.Cli;

/// <summary>Secrets are never read from appsettings.json: the real executable refuses to start and says which variable to use.</summary>
public sealed class SecretsInFileTests
{
    private static void WriteSettingsWith(TestEnvironment environment, string key, string value)
    {
        var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "appsettings.json")))!.AsObject();
        var node = settings;
        var parts = key.Split(':');
        foreach (var part in parts[..^1])
        {
            node = (node[part] ??= new JsonObject()).AsObject();
        }
        node[parts[^1]] = value;
        File.WriteAllText(Path.Combine(environment.Directory, "appsettings.json"), settings.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(SecretKeys))]
    public async Task AnyCommand_RefusesToStartNamingTheKeyAndVariable_WhenASecretIsInAppsettingsJson(string key)
    {
        using var environment = new TestEnvironment();
        WriteSettingsWith(environment, key, "a-secret-that-must-not-live-in-the-file");

        var result = await CliProcess.RunAsync(environment, null, "issue", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{key} is set in appsettings.json", result.Error);
        Assert.Contains(key.Replace(":", "__"), result.Error);
        Assert.DoesNotContain("a-secret-that-must-not-live-in-the-file", result.Error + result.Output);
    }

    [Fact]
    public async Task Run_RefusesToStart_WhenTheDashboardPasswordIsInAppsettingsJson()
    {
        using var environment = new TestEnvironment();
        environment.Settings["Newsletter:Web:Urls"] = "http://127.0.0.1:0";
        WriteSettingsWith(environment, "Newsletter:Web:Dashboard:Password", "hunter2-in-the-file");

        var result = await CliProcess.RunAsync(environment, null, "run");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Newsletter:Web:Dashboard:Password is set in appsettings.json", result.Error);
        Assert.Contains("Newsletter__Web__Dashboard__Password", result.Error);
    }

    [Fact]
    public async Task AnyCommand_Starts_WhenTheSecretComesFromTheEnvironmentAndTheFileLeavesItEmpty()
    {
        using var environment = new TestEnvironment();
        WriteSettingsWith(environment, "Newsletter:Web:Dashboard:Password", "");

        var result = await CliProcess.RunAsync(environment, [KeyValuePair.Create("Newsletter__Web__Dashboard__Password", (string?)"from-the-environment")], "issue", "list");

        Assert.Equal(0, result.ExitCode);
    }

    public static TheoryData<string> SecretKeys => new(ConfigurationSecrets.Keys);
}
