using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Newsletter.Storage;
using Newsletter.Worker.Hosting;
using Npgsql;

namespace Newsletter.Tests.Storage;

/// <summary>The store settings are checked at start; the database password comes from the environment, never the file (ConfigurationSecrets).</summary>
public sealed class StoreOptionsValidatorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("newsletter-store-options-").FullName;
    private readonly string _environmentPrefix = $"NLTEST_{Guid.NewGuid():N}_";

    public void Dispose()
    {
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith(_environmentPrefix, StringComparison.Ordinal)))
        {
            Environment.SetEnvironmentVariable(key, null);
        }
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The configuration as the host builds it: appsettings.json, then the environment over it.</summary>
    private (ValidateOptionsResult Result, StoreOptions Options, string Secrets) Validate(string storeJson, Dictionary<string, string>? environment = null)
    {
        var file = Path.Combine(_folder, "appsettings.json");
        File.WriteAllText(file, $$"""{ "Newsletter": { "Store": {{storeJson}} } }""");
        foreach (var (key, value) in environment ?? [])
        {
            Environment.SetEnvironmentVariable(_environmentPrefix + key, value);
        }
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(file)
            .AddEnvironmentVariables(_environmentPrefix)
            .Build();
        var options = configuration.GetSection(StoreOptions.SectionName).Get<StoreOptions>() ?? new StoreOptions();
        return (new StoreOptionsValidator().Validate(null, options), options, string.Join("\n", ConfigurationSecrets.FindInFiles(configuration)));
    }

    [Fact]
    public void ConfigurationSecrets_RefuseTheStore_WhenTheSettingsFileHoldsAPasswordInTheConnectionString()
    {
        var (_, _, secrets) = Validate("""{ "Provider": "PostgreSql", "ConnectionString": "Host=db;Username=newsletter;Password=hunter2" }""");

        Assert.Contains("Newsletter:Store:ConnectionString in ", secrets);
        Assert.Contains("appsettings.json holds a password", secrets);
        Assert.Contains("Newsletter__Store__Password", secrets);
        Assert.DoesNotContain("hunter2", secrets);
    }

    [Fact]
    public void ConfigurationSecrets_RefuseTheStore_WhenTheSettingsFileHoldsAPasswordKey()
    {
        var (_, _, secrets) = Validate("""{ "Provider": "PostgreSql", "ConnectionString": "Host=db;Username=newsletter", "Password": "hunter2" }""");

        Assert.Contains("Newsletter:Store:Password is set in ", secrets);
        Assert.Contains("Newsletter__Store__Password", secrets);
    }

    [Fact]
    public void Validate_AcceptsThePassword_WhenItComesFromTheEnvironment()
    {
        var (result, options, secrets) = Validate("""{ "Provider": "PostgreSql", "ConnectionString": "Host=db;Username=newsletter" }""",
            new() { ["Newsletter__Store__Password"] = "hunter2" });

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Empty(secrets);
        Assert.Equal("hunter2", new NpgsqlConnectionStringBuilder(options.PostgreSqlConnectionString()).Password);
    }

    [Fact]
    public void Validate_AcceptsAWholeConnectionStringWithPassword_WhenItComesFromTheEnvironment()
    {
        var (result, _, _) = Validate("""{ "Provider": "PostgreSql" }""",
            new() { ["Newsletter__Store__ConnectionString"] = "Host=db;Username=newsletter;Password=hunter2" });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_AsksForAConnectionString_WhenProviderIsPostgreSqlWithoutOne()
    {
        var (result, _, _) = Validate("""{ "Provider": "PostgreSql" }""");

        Assert.True(result.Failed);
        Assert.Contains("Newsletter:Store:ConnectionString is empty", result.FailureMessage);
    }

    [Fact]
    public void Validate_NamesTheKey_WhenTheConnectionStringDoesNotParse()
    {
        var (result, _, _) = Validate("""{ "Provider": "PostgreSql", "ConnectionString": "Host=db;Colour=blue" }""");

        Assert.True(result.Failed);
        Assert.Contains("Newsletter:Store:ConnectionString is not an Npgsql connection string", result.FailureMessage);
    }

    [Fact]
    public void Validate_IgnoresTheConnectionString_WhenProviderIsSqlite()
    {
        var (result, _, _) = Validate("""{ "Path": "data/newsletter.db" }""");

        Assert.True(result.Succeeded, result.FailureMessage);
    }
}
