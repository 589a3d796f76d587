using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Lists;
using Newsletter.Core.Signups;
using Newsletter.Delivery.Unsubscribe;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>One worker with a signup list, shared by the tests of a class; each test uses addresses of its own.</summary>
public sealed class SignupWorkerFixture : IAsyncLifetime
{
    public SignupWorker Signup { get; private set; } = null!;

    public async Task InitializeAsync() => Signup = await SignupWorker.StartAsync(configure: environment =>
    {
        environment.Settings["Newsletter:Lists:closed:DisplayName"] = "No signups here";
        environment.Settings["Newsletter:Lists:closed:Subscribers:0:Email"] = "someone@example.com";
    });

    public Task DisposeAsync() => Signup.DisposeAsync().AsTask();
}

/// <summary>The signup form and its confirmation link over real HTTP, with confirmation mails over real SMTP on 127.0.0.1.</summary>
[Collection(HangfireCollection.Name)]
public sealed class SignupEndpointTests(SignupWorkerFixture fixture) : IClassFixture<SignupWorkerFixture>
{
    private SignupWorker Signup => fixture.Signup;

    private static string Address(string who) => $"{who}-{Guid.NewGuid():N}@example.org";

    [Fact]
    public async Task Form_ShowsEmailNameConsentAndHoneypot_WithoutScript()
    {
        using var client = Signup.Worker.Client();
        using var response = await client.GetAsync("/signup/readers");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Subscribe to readers readers", html);
        Assert.Contains(SignupWorker.ConsentText, html);
        Assert.Contains("name=\"email\"", html);
        Assert.Contains("name=\"name\"", html);
        Assert.Contains("name=\"website\"", html);
        Assert.Contains("Tensor Weekly", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Form_Answers404_ForAListThatTakesNoSignups()
    {
        using var client = Signup.Worker.Client();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/signup/closed")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Signup.PostFormAsync(Address("closed"), list: "closed")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/signup/nosuchlist")).StatusCode);
    }

    [Fact]
    public async Task Post_AnswersByteIdentically_ForANewAnExistingAndASuppressedAddress()
    {
        var existing = Address("existing");
        await Signup.JoinAsync(existing);
        var suppressed = Address("bounced");
        await Signup.Worker.Services.GetRequiredService<ISuppressionList>().AddAsync(suppressed, null, SuppressionReason.HardBounce, "550 5.1.1", CancellationToken.None);

        using var forNew = await Signup.PostFormAsync(Address("new"));
        using var forExisting = await Signup.PostFormAsync(existing);
        using var forSuppressed = await Signup.PostFormAsync(suppressed);
        using var forConfigured = await Signup.PostFormAsync(Signup.Configured[0]);

        var expected = await Describe(forNew);
        Assert.Equal(HttpStatusCode.OK, forNew.StatusCode);
        Assert.Contains("Check your inbox", await forNew.Content.ReadAsStringAsync());
        Assert.Equal(expected, await Describe(forExisting));
        Assert.Equal(expected, await Describe(forSuppressed));
        Assert.Equal(expected, await Describe(forConfigured));

        static async Task<string> Describe(HttpResponseMessage response) =>
            $"{(int)response.StatusCode}\n{string.Join("\n", response.Headers.Where(h => h.Key != "Date").Select(h => $"{h.Key}: {string.Join(",", h.Value)}"))}\n" +
            $"{response.Content.Headers.ContentType}\n{Convert.ToBase64String(await response.Content.ReadAsByteArrayAsync())}";
    }

    [Fact]
    public async Task Post_SendsNoConfirmationMail_ToAHardBouncedOrComplainedAddress()
    {
        var suppressions = Signup.Worker.Services.GetRequiredService<ISuppressionList>();
        var bounced = Address("bounced");
        var complained = Address("complained");
        await suppressions.AddAsync(bounced, null, SuppressionReason.HardBounce, "550 5.1.1", CancellationToken.None);
        await suppressions.AddAsync(complained, null, SuppressionReason.Complaint, "feedback loop", CancellationToken.None);

        await Signup.PostFormAsync(bounced);
        await Signup.PostFormAsync(complained);

        await Signup.AssertNoMailToAsync(bounced);
        Assert.Empty(Signup.MailsTo(complained));
    }

    [Fact]
    public async Task Post_SendsNoMail_WhenTheHoneypotIsFilled()
    {
        var bot = Address("bot");

        using var response = await Signup.PostFormAsync(bot, honeypot: "https://spam.example");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Check your inbox", await response.Content.ReadAsStringAsync());
        await Signup.AssertNoMailToAsync(bot);
    }

    [Fact]
    public async Task Post_SendsOneConfirmationMailPerAddress_WhenTheFormIsSentTwiceInADay()
    {
        var reader = Address("twice");

        await Signup.PostFormAsync(reader);
        await Signup.PostFormAsync(reader.ToUpperInvariant());

        await Signup.AssertNoMailToAsync("nobody@example.invalid");
        Assert.Single(Signup.MailsTo(reader));
    }

    [Fact]
    public async Task Post_FromAnotherSite_WithoutCookieOrAntiforgeryToken_SendsTheConfirmation()
    {
        var reader = Address("pasted");

        using var response = await Signup.PostFormAsync(reader, "Pat", origin: "https://blog.example");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        var mail = await Signup.WaitForMailToAsync(reader);
        Assert.Contains("Hello Pat,", mail.TextBody);
    }

    [Theory]
    [InlineData("ada.example.com", "no '@'")]
    [InlineData("ada@example", "the domain has no dot")]
    [InlineData("", "is empty")]
    public async Task Post_ReturnsTheFormWithTheReason_WhenTheAddressIsNotUsable(string email, string reason)
    {
        using var response = await Signup.PostFormAsync(email, "Ada");
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(reason, html);
        Assert.Contains("name=\"email\"", html);
        Assert.Contains("value=\"Ada\"", html);
    }

    [Fact]
    public async Task Post_Refuses_WhenTheFormIsLargerThanTheLimit()
    {
        using var client = Signup.Worker.Client();
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = Address("big"), ["name"] = new string('x', 10_000) });

        using var response = await client.PostAsync("/signup/readers", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task ConfirmLink_Get_SubscribesNobody_AndShowsOneConfirmButton()
    {
        var reader = Address("scanned");
        await Signup.PostFormAsync(reader);
        var link = Signup.ConfirmLinkIn(await Signup.WaitForMailToAsync(reader));
        using var client = Signup.Worker.Client();

        using var first = await client.GetAsync(link);
        using var second = await client.GetAsync(link);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var html = await first.Content.ReadAsStringAsync();
        Assert.Contains("id=\"confirm\"", html);
        Assert.Contains("method=\"post\"", html);
        Assert.False(await Signup.Signups.IsJoinedAsync(SignupWorker.ListName, reader, CancellationToken.None));
    }

    [Fact]
    public async Task ConfirmLink_Post_JoinsTheReaderWithTheEvidence_AndRefusesItsReplay()
    {
        var reader = Address("Nora");
        await Signup.PostFormAsync(reader, "Nora");
        var link = Signup.ConfirmLinkIn(await Signup.WaitForMailToAsync(reader));
        using var client = Signup.Worker.Client();

        using var confirmed = await client.PostAsync(link, null);
        using var replayed = await client.PostAsync(link, null);

        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("You are subscribed", await confirmed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, replayed.StatusCode);
        Assert.Contains("already used", await replayed.Content.ReadAsStringAsync());
        var joined = Assert.Single(await Signup.Signups.ListJoinedAsync(SignupWorker.ListName, CancellationToken.None), r => r.Email == reader);
        Assert.Equal(("Nora", ListSignup.HashOf(SignupWorker.ConsentText)), (joined.Name, joined.ConsentHash));
        Assert.True(joined.ConsentedAt <= joined.ConfirmedAt);
    }

    [Fact]
    public async Task ConfirmLink_Post_RefusesAForgedToken_AndChangesNothing()
    {
        var reader = Address("forged");
        await Signup.PostFormAsync(reader);
        var link = Signup.ConfirmLinkIn(await Signup.WaitForMailToAsync(reader)).AbsoluteUri;
        var forged = link[..^3] + (link[^3] == 'A' ? "B" : "A") + link[^2..];
        using var client = Signup.Worker.Client();

        using var response = await client.PostAsync(forged, null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("not valid", await response.Content.ReadAsStringAsync());
        Assert.False(await Signup.Signups.IsJoinedAsync(SignupWorker.ListName, reader, CancellationToken.None));
    }

    [Fact]
    public async Task ConfirmLink_Post_RefusesAnExpiredToken_AndChangesNothing()
    {
        var reader = Address("late");
        var nonce = await Signup.Signups.RequestAsync(new SignupRequest(SignupWorker.ListName, reader, null, ListSignup.HashOf(SignupWorker.ConsentText)),
            TimeSpan.FromHours(48), TimeSpan.FromHours(24), CancellationToken.None);
        var expired = Signup.Worker.Services.GetRequiredService<ConfirmationTokens>()
            .Create(SignupWorker.ListName, reader, nonce!, DateTimeOffset.UtcNow.AddMinutes(-1));
        using var client = Signup.Worker.Client();

        using var page = await client.GetAsync("/signup/confirm/" + expired);
        using var response = await client.PostAsync("/signup/confirm/" + expired, null);

        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Contains("expired", await response.Content.ReadAsStringAsync());
        Assert.False(await Signup.Signups.IsJoinedAsync(SignupWorker.ListName, reader, CancellationToken.None));
    }

    [Fact]
    public async Task Confirm_LiftsTheReadersOwnEarlierUnsubscribeFromTheList()
    {
        var reader = Address("back");
        var suppressions = Signup.Worker.Services.GetRequiredService<ISuppressionList>();
        await Signup.JoinAsync(reader);
        await suppressions.AddAsync(reader, SignupWorker.ListName, SuppressionReason.Unsubscribed, "one-click", CancellationToken.None);

        await Signup.JoinAsync(reader);

        Assert.False(await suppressions.IsSuppressedAsync(reader, SignupWorker.ListName, CancellationToken.None));
    }

    /// <summary>We keep about a reader only what the law asks us to prove: the log says which list and what happened, never who.</summary>
    [Fact]
    public async Task SignupLogs_NameTheListAndTheOutcome_NotTheReadersAddress()
    {
        var reader = Address("logged");

        await Signup.JoinAsync(reader);

        await Signup.Worker.Logs.WaitForAsync("Signup confirmation for list readers sent", TimeSpan.FromSeconds(30));
        await Signup.Worker.Logs.WaitForAsync("confirmed and joined list readers", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(Signup.Worker.Logs.Lines, l => l.Contains(reader, StringComparison.OrdinalIgnoreCase));
    }
}
