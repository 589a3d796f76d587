using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Rendering.Pages;
using Newsletter.Rendering.Preview;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>
/// Double opt-in in a real browser (headless Chromium over the DevTools protocol) against the running worker, with the
/// confirmation mail and the issue going over real SMTP to the test server on 127.0.0.1.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class SignupBrowserTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Signup_InABrowser_JoinsOnlyOnConfirm_ThenTheNextIssueArrivesOnce_AndOneClickUnsubscribeWorks()
    {
        await using var signup = await SignupWorker.StartAsync();
        const string nora = "nora.reader@example.org";
        await using var chromium = await HeadlessChromium.LaunchAsync(TimeSpan.FromSeconds(60), None);
        await using var browser = await chromium.OpenPageAsync(375, dark: false, None);

        await browser.NavigateAsync(new Uri(signup.Worker.BaseAddress, "/signup/readers"), None);
        Assert.True((await browser.EvaluateAsync("document.documentElement.scrollWidth", None)).GetInt32() <= 375, "the form is wider than a 375 px phone");
        await browser.EvaluateAsync($"document.querySelector('#signup-email').value = '{nora}'; document.querySelector('#signup-name').value = 'Nora'", None);
        await browser.ClickAndWaitForLoadAsync("#subscribe", None);
        Assert.Contains("Check your inbox", await browser.TextAsync(None));

        var link = signup.ConfirmLinkIn(await signup.WaitForMailToAsync(nora));
        await browser.NavigateAsync(link, None);
        Assert.Contains("Confirm your subscription", await browser.TextAsync(None));
        Assert.False(await signup.Signups.IsJoinedAsync(SignupWorker.ListName, nora, None));
        await browser.ClickAndWaitForLoadAsync("#confirm", None);
        Assert.Contains("You are subscribed", await browser.TextAsync(None));

        var (_, counts) = await signup.Worker.PublishAsync(RunningWorker.FirstWeek, SignupWorker.ListName);
        await signup.Worker.PublishAsync(RunningWorker.FirstWeek, SignupWorker.ListName);

        Assert.Equal(6, counts.Sent);
        var issue = Assert.Single(signup.MailsTo(nora).Select(m => m.Parse()), m => m.Headers[HeaderId.ListUnsubscribe] is not null);
        Assert.Contains("Nora", issue.TextBody);
        var unsubscribe = new Uri(issue.Headers[HeaderId.ListUnsubscribe]!.Trim('<', '>'));
        using var client = signup.Worker.Client();
        using var oneClick = await client.PostAsync(new Uri(signup.Worker.BaseAddress, unsubscribe.AbsolutePath),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.True(await signup.Worker.Services.GetRequiredService<ISuppressionList>().IsSuppressedAsync(nora, SignupWorker.ListName, None));
    }

    [Fact]
    public async Task SignupForm_PastedIntoAnotherSite_PostsAcrossOriginsInABrowser()
    {
        await using var signup = await SignupWorker.StartAsync();
        const string pat = "pat.pasted@example.org";
        var snippet = await signup.Worker.Services.GetRequiredService<PageRenderer>().RenderAsync("signup/Snippet",
            new SignupPage("readers readers", SignupWorker.ConsentText, Core.Signups.ListSignup.HashOf(SignupWorker.ConsentText),
                new Uri(signup.Worker.BaseAddress, PublicUrls.SignupPath(SignupWorker.ListName)).AbsoluteUri), None);
        await using var chromium = await HeadlessChromium.LaunchAsync(TimeSpan.FromSeconds(60), None);
        await using var browser = await chromium.OpenPageAsync(800, dark: false, None);

        // A page of another origin (a data: URL is an opaque one) holding nothing but the pasted snippet.
        await browser.LoadHtmlAsync($"<!DOCTYPE html><html><body><h1>A blog</h1>{snippet}</body></html>", None);
        await browser.EvaluateAsync($"document.querySelector('#signup-email').value = '{pat}'", None);
        await browser.ClickAndWaitForLoadAsync("#subscribe", None);

        Assert.Contains("Check your inbox", await browser.TextAsync(None));
        await signup.WaitForMailToAsync(pat);
    }
}
