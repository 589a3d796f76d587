using System.Net;
using System.Text.Json;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary><c>GET /healthz</c> of a running worker whose store, and so Hangfire's jobs, are in PostgreSQL.</summary>
[Collection(HangfireCollection.Name)]
public sealed class PostgreSqlHealthEndpointTests(PostgreSqlDatabaseFixture database) : IClassFixture<PostgreSqlDatabaseFixture>
{
    [Fact]
    public async Task Healthz_IsHealthy_WhenTheJobsLiveInPostgreSqlAndNoJobFileExists()
    {
        using var environment = new TestEnvironment();
        environment.Settings["Newsletter:Store:Provider"] = "PostgreSql";
        environment.Settings["Newsletter:Store:ConnectionString"] = database.ConnectionString;
        environment.Settings["Newsletter:Schedule:Enabled"] = "false";
        await using var worker = await RunningWorker.StartAsync(environment);
        using var client = worker.Client();

        using var response = await client.GetAsync("/healthz");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.False(File.Exists(environment.Settings["Newsletter:Jobs:StoragePath"]));
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Contains("hangfire schema", body.GetProperty("checks").GetProperty("jobs").GetProperty("description").GetString());
    }
}
