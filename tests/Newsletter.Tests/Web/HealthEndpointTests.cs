using System.Net;
using System.Text.Json;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary><c>GET /healthz</c> of a running worker, over real HTTP, with the store and Hangfire's storage as real SQLite files.</summary>
[Collection(HangfireCollection.Name)]
public sealed class HealthEndpointTests(PublishedWorkerFixture fixture) : IClassFixture<PublishedWorkerFixture>
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetHealthAsync(RunningWorker worker)
    {
        using var client = worker.Client();
        using var response = await client.GetAsync("/healthz");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string StatusOf(JsonElement body, string check) => body.GetProperty("checks").GetProperty(check).GetProperty("status").GetString()!;

    /// <summary>A worker of its own (the test breaks its storage), healthy before the test breaks anything.</summary>
    private static async Task<(TestEnvironment Environment, RunningWorker Worker)> StartHealthyWorkerAsync(bool runJobServer = true)
    {
        var environment = new TestEnvironment();
        var worker = await RunningWorker.StartAsync(environment, runJobServer);
        var (status, body) = await GetHealthAsync(worker);
        Assert.True(status == HttpStatusCode.OK, $"not healthy before the test broke anything: {body}");
        return (environment, worker);
    }

    private static void Remove(string databasePath)
    {
        foreach (var file in new[] { databasePath, databasePath + "-wal", databasePath + "-shm" })
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Healthz_Answers200NamingEachCheck_WhenTheStoreAndHangfireStorageAnswer()
    {
        var (status, body) = await GetHealthAsync(fixture.Worker);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal(("healthy", "healthy"), (StatusOf(body, "store"), StatusOf(body, "jobs")));
    }

    [Fact]
    public async Task Healthz_Answers503NamingTheStore_WhenTheStoreFileIsRemoved()
    {
        var (environment, worker) = await StartHealthyWorkerAsync();
        using var folder = environment; // disposed last, after the worker
        await using var running = worker;
        var store = environment.Settings["Newsletter:Store:Path"]!;

        Remove(store);
        var (status, body) = await GetHealthAsync(worker);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        Assert.Equal(("unhealthy", "healthy"), (StatusOf(body, "store"), StatusOf(body, "jobs")));
        Assert.Contains(store, body.GetProperty("checks").GetProperty("store").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Healthz_Answers503NamingTheJobs_WhenHangfiresStorageFileIsRemoved()
    {
        // Without a job server: a Hangfire server thread that opens a new connection recreates a deleted SQLite file with an
        // empty schema, which on a loaded machine can happen between the removal and the request (seen once in a full run).
        var (environment, worker) = await StartHealthyWorkerAsync(runJobServer: false);
        using var folder = environment; // disposed last, after the worker
        await using var running = worker;

        Remove(environment.Settings["Newsletter:Jobs:StoragePath"]!);
        var (status, body) = await GetHealthAsync(worker);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(("healthy", "unhealthy"), (StatusOf(body, "store"), StatusOf(body, "jobs")));
        Assert.Contains("Newsletter:Jobs:StoragePath", body.GetProperty("checks").GetProperty("jobs").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Healthz_Answers503NamingTheJobs_WhenHangfiresStorageFileIsRemovedAndRecreatedEmpty()
    {
        var (environment, worker) = await StartHealthyWorkerAsync();
        using var folder = environment; // disposed last, after the worker
        await using var running = worker;
        var jobs = environment.Settings["Newsletter:Jobs:StoragePath"]!;

        // What Hangfire.Storage.SQLite's next new connection does to a deleted file: a new, empty database at the same path.
        Remove(jobs);
        await using (var recreated = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={jobs};Pooling=False"))
        {
            await recreated.OpenAsync();
            await using var create = recreated.CreateCommand();
            create.CommandText = "CREATE TABLE IF NOT EXISTS recreated (id INTEGER)";
            await create.ExecuteNonQueryAsync();
        }
        var (status, body) = await GetHealthAsync(worker);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", StatusOf(body, "jobs"));
        Assert.Contains("was replaced", body.GetProperty("checks").GetProperty("jobs").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Healthz_IsRefusedWithABasicChallenge_OffLoopbackWithoutCredentials()
    {
        using var client = fixture.Worker.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.DoesNotContain("store", await response.Content.ReadAsStringAsync());
    }
}
