using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Sending;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>
/// Loopback admin, over real HTTP to a running worker: only a loopback peer that addressed a loopback name and carries no proxy
/// header. DNS rebinding (a page on attacker.example re-pointed at 127.0.0.1) and a local proxy get nothing.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed partial class LoopbackTrustTests(PublishedWorkerFixture fixture) : IClassFixture<PublishedWorkerFixture>
{
    private HttpClient Client() => new(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
    {
        BaseAddress = fixture.Worker.BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static HttpRequestMessage Get(string path, string? host = null, (string Name, string Value)? header = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (host is not null) request.Headers.Host = host;
        if (header is { } h) request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        return request;
    }

    [Theory]
    [InlineData("/sends")]
    [InlineData("/hangfire")]
    public async Task OperatorPage_AsksForALogin_WhenALoopbackRequestNamesAnotherHost(string path)
    {
        using var client = Client();

        using var response = await client.SendAsync(Get(path, host: $"attacker.example:{fixture.Worker.BaseAddress.Port}"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("antiforgery", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Resume_IsRefusedAndTheSendStaysPaused_WhenTheRequestNamesAnotherHost()
    {
        var log = TestDeliveryLog.From(fixture.Worker.Services);
        var list = new MailingList("rebound", "rebound", [new Subscriber("rebound@example.com", null)]);
        var send = (await fixture.Worker.Services.GetRequiredService<SendScheduler>()
            .ScheduleAsync(fixture.Issue.Number, list, DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None)).Send;
        await log.PauseSendAsync(send.Id, "paused by the test", CancellationToken.None);
        using var client = Client();
        // Even holding a valid form token and cookie (taken here from a genuine loopback page), the rebound request gets nowhere.
        var page = await client.GetStringAsync("/sends");
        var token = AntiforgeryField().Match(page);
        Assert.True(token.Success, "the loopback page has no antiforgery field");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/sends/{send.Id}/resume")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create(token.Groups[1].Value, token.Groups[2].Value)]),
        };
        request.Headers.Host = "attacker.example";

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(SendState.Paused, (await log.GetSendAsync(send.Id, CancellationToken.None))!.State);
    }

    [Theory]
    [InlineData("Forwarded", "for=203.0.113.9")]
    [InlineData("X-Forwarded-For", "203.0.113.9")]
    [InlineData("X-Forwarded-Host", "newsletter.example.com")]
    [InlineData("X-Forwarded-Proto", "https")]
    [InlineData("X-Real-IP", "203.0.113.9")]
    [InlineData("True-Client-IP", "203.0.113.9")]
    [InlineData("CF-Connecting-IP", "203.0.113.9")]
    [InlineData("Via", "1.1 proxy.example")]
    public async Task SendsPage_AsksForALogin_WhenALoopbackRequestCarriesAnyProxyHeader(string name, string value)
    {
        using var client = Client();

        using var response = await client.SendAsync(Get("/sends", header: (name, value)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task SendsPage_IsAdmin_WhenALoopbackRequestNamesALoopbackHost(string host)
    {
        using var client = Client();

        using var response = await client.SendAsync(Get("/sends", host: $"{host}:{fixture.Worker.BaseAddress.Port}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("read-only access", await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("name=\"([^\"]*RequestVerificationToken[^\"]*)\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
