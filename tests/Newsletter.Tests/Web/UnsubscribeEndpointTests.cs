using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Unsubscribe;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

[Collection(HangfireCollection.Name)]
public sealed class UnsubscribeEndpointTests(PublishedWorkerFixture fixture) : IClassFixture<PublishedWorkerFixture>
{
    private ISuppressionList Suppressions => fixture.Worker.Services.GetRequiredService<ISuppressionList>();

    private static StringContent OneClickBody() => new("List-Unsubscribe=One-Click", Encoding.ASCII, "application/x-www-form-urlencoded");

    private async Task<HttpResponseMessage> PostOneClickAsync(string token)
    {
        using var client = fixture.Worker.Client();
        return await client.PostAsync("/unsubscribe/" + token, OneClickBody());
    }

    private Task<bool> IsSuppressedAsync(string email) => Suppressions.IsSuppressedAsync(email, "readers", CancellationToken.None);

    [Fact]
    public async Task PostOneClick_Answers200WithoutRedirectOrCookie_AndSuppressesTheAddressOnThatList()
    {
        var email = fixture.Subscribers[0];

        using var response = await PostOneClickAsync(fixture.Tokens.Create("readers", email));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        var suppression = Assert.Single(await Suppressions.ListAsync(CancellationToken.None), s => s.Email == email);
        Assert.Equal(("readers", SuppressionReason.Unsubscribed), (suppression.ListName, suppression.Reason));
    }

    [Fact]
    public async Task PostOneClick_IsIdempotent_WhenPostedTwice()
    {
        var email = fixture.Subscribers[1];
        var token = fixture.Tokens.Create("readers", email);

        using var first = await PostOneClickAsync(token);
        using var second = await PostOneClickAsync(token);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Single(await Suppressions.ListAsync(CancellationToken.None), s => s.Email == email);
    }

    [Fact]
    public async Task Get_ShowsAConfirmationButton_AndDoesNotUnsubscribe()
    {
        var email = fixture.Subscribers[2];
        using var client = fixture.Worker.Client();

        using var response = await client.GetAsync("/unsubscribe/" + fixture.Tokens.Create("readers", email));
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<form method=\"post\"", page);
        Assert.Contains("readers readers", page); // the list's display name
        Assert.False(await IsSuppressedAsync(email));
    }

    public static TheoryData<string, Func<UnsubscribeTokens, string, string>> BadTokens() => new()
    {
        { "forged with another key", (_, email) => new UnsubscribeTokens(Encoding.UTF8.GetBytes("another-key-entirely-0123456789")).Create("readers", email) },
        { "truncated", (tokens, email) => tokens.Create("readers", email)[..^4] },
        { "tampered payload (another address)", (tokens, email) => Tamper(tokens.Create("readers", email)) },
        { "MAC missing", (tokens, email) => tokens.Create("readers", email).Split('.')[0] },
        { "garbage", (_, _) => "not-a-token" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Post_WithABadToken_Answers404_AndChangesNothing(string kind, Func<UnsubscribeTokens, string, string> make)
    {
        var email = fixture.Subscribers[3];
        var before = await Suppressions.ListAsync(CancellationToken.None);

        using var response = await PostOneClickAsync(make(fixture.Tokens, email));

        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{kind}: {response.StatusCode}");
        Assert.Equal(before, await Suppressions.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Get_WithATamperedToken_Answers404()
    {
        using var client = fixture.Worker.Client();

        using var response = await client.GetAsync("/unsubscribe/" + Tamper(fixture.Tokens.Create("readers", fixture.Subscribers[3])));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Resubscribe_LiftsTheUnsubscribe_OfThatListOnly()
    {
        var email = fixture.Subscribers[4];
        var token = fixture.Tokens.Create("readers", email);
        await Suppressions.AddAsync(email, "other", SuppressionReason.Unsubscribed, null, CancellationToken.None);
        using (await PostOneClickAsync(token)) { }
        using var client = fixture.Worker.Client();

        using var response = await client.PostAsync($"/unsubscribe/{token}/resubscribe", new StringContent(""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Welcome back", await response.Content.ReadAsStringAsync());
        Assert.False(await IsSuppressedAsync(email));
        Assert.True(await Suppressions.IsSuppressedAsync(email, "other", CancellationToken.None));
    }

    [Fact]
    public async Task Resubscribe_DoesNotLiftAHardBounce()
    {
        var email = fixture.Subscribers[5];
        await Suppressions.AddAsync(email, null, SuppressionReason.HardBounce, "550 5.1.1 no such user", CancellationToken.None);
        using var client = fixture.Worker.Client();

        using var response = await client.PostAsync($"/unsubscribe/{fixture.Tokens.Create("readers", email)}/resubscribe", new StringContent(""));

        Assert.Contains("cannot send to this address", await response.Content.ReadAsStringAsync());
        Assert.True(await IsSuppressedAsync(email));
    }

    [Fact]
    public async Task Post_EscapesWhatTheTokenCarries_InThePage()
    {
        // A token is signed, but its list name comes from our own config: still, nothing from it reaches the page unescaped.
        using var response = await PostOneClickAsync(fixture.Tokens.Create("<b>x</b>", "a<script>@example.com"));
        var page = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("<script>", page);
        Assert.DoesNotContain("<b>x</b>", page);
    }

    /// <summary>Changes the signed payload (the address) and keeps the original MAC.</summary>
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[0])).Replace("reader", "leader");
        return System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload)) + "." + parts[1];
    }
}
