using Newsletter.OperatorFiles.Lists;
using Newsletter.Tests.Delivery;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Lists;

public class MailingListLoaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private MailingListLoadResult Load(params (string Name, MailingListOptions List)[] lists)
    {
        var options = new ListsOptions();
        foreach (var (name, list) in lists)
            options.Lists[name] = list;
        return new MailingListLoader(options, _folder.Path).Load();
    }

    private static MailingListOptions Inline(params string[] emails) => new()
    {
        DisplayName = "Sample readers",
        Subscribers = emails.Select(e => new SubscriberOptions { Email = e }).ToList(),
    };

    private MailingListOptions Csv(string content, string file = "lists/readers.csv")
    {
        _folder.File(file, content);
        return new MailingListOptions { DisplayName = "Readers", SubscribersFile = file };
    }

    [Fact]
    public void Load_ReturnsSubscribersInOrder_WhenInlineListIsValid()
    {
        var result = Load(("sample", new MailingListOptions
        {
            DisplayName = "Sample readers",
            Subscribers = [new() { Email = " ada@example.com ", Name = "Ada Lovelace" }, new() { Email = "bob@example.org" }],
        }));

        Assert.Empty(result.Errors);
        var list = Assert.Single(result.Lists);
        Assert.Equal("Sample readers", list.DisplayName);
        Assert.Equal([new("ada@example.com", "Ada Lovelace"), new("bob@example.org", null)], list.Subscribers);
    }

    [Fact]
    public void Load_NamesListIndexAndValue_WhenInlineAddressIsInvalid()
    {
        var result = Load(("sample", Inline("ada@example.com", "carol@example.com", "bob@@example")));

        var error = Assert.Single(result.Errors);
        Assert.Equal("sample", error.ListName);
        Assert.StartsWith("Newsletter:Lists:sample:Subscribers:2:Email: 'bob@@example' is not a valid email address", error.ToString());
        Assert.EndsWith("Fix or remove the entry.", error.ToString());
        Assert.Empty(result.Lists);
    }

    [Theory]
    [InlineData("no-at-sign.example.com")]
    [InlineData("x@")]
    [InlineData("@example.com")]
    [InlineData("ada lovelace@example.com")]
    [InlineData("ada@example")]
    [InlineData("ada@example.com\r\nBcc: x@example.com")]
    [InlineData("Ada <ada@example.com>")]
    [InlineData("")]
    public void Load_RejectsAddress_WhenNotABareValidAddrSpec(string email)
    {
        var result = Load(("sample", Inline(email)));

        Assert.Single(result.Errors);
    }

    [Fact]
    public void Load_NamesFileAndLine_WhenCsvAddressIsInvalid()
    {
        var result = Load(("readers", Csv("email,name\nada@example.com,Ada\n\nx@,Broken\n")));

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("lists/readers.csv line 4 (list 'readers'): 'x@' is not a valid email address", error.ToString());
    }

    [Fact]
    public void Load_NamesFileAndLine_WhenCsvQuotingIsBroken()
    {
        var result = Load(("readers", Csv("email,name\nada@example.com,\"Ada\" Lovelace\nbob@example.org,Bob\n")));

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("lists/readers.csv line 2 (list 'readers'): has a character after a closing quote", error.ToString());
    }

    [Fact]
    public void Load_ReportsUnclosedQuote_WithTheLineItStarts()
    {
        var result = Load(("readers", Csv("email,name\nada@example.com,Ada\nbob@example.org,\"Bob\nnext@example.com,Next\n")));

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("lists/readers.csv line 3 (list 'readers'): opens a quoted field that is never closed", error.ToString());
    }

    [Fact]
    public void Load_ReportsMissingFile_WithListFileAndKey()
    {
        var result = Load(("readers", new MailingListOptions { DisplayName = "Readers", SubscribersFile = "lists/missing.csv" }));

        var error = Assert.Single(result.Errors).ToString();
        Assert.StartsWith("lists/missing.csv (list 'readers'): file not found", error);
        Assert.Contains("Newsletter:Lists:readers:SubscribersFile", error);
    }

    [Fact]
    public void Load_ReportsError_WhenCsvHasNoEmailHeader()
    {
        var result = Load(("readers", Csv("ada@example.com,Ada\n")));

        Assert.StartsWith("lists/readers.csv line 1 (list 'readers'): 'ada@example.com,Ada' is not a header row", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Load_ReadsRfc4180Fields_WhenNamesAreQuotedWithCommasQuotesAndBom()
    {
        var result = Load(("readers", Csv("\uFEFFName,Email\r\n\"Lovelace, Ada \"\"the Countess\"\"\",ada@example.com\r\n\"Two\r\nLines\",bob@example.org\r\n,carol@example.net\r\n")));

        Assert.Empty(result.Errors);
        var subscribers = Assert.Single(result.Lists).Subscribers.ToList();
        Assert.Equal("Lovelace, Ada \"the Countess\"", subscribers[0].Name);
        Assert.Equal(("bob@example.org", "Two\r\nLines"), (subscribers[1].Email, subscribers[1].Name));
        Assert.Equal(new Newsletter.Core.Lists.Subscriber("carol@example.net", null), subscribers[2]);
    }

    [Fact]
    public void Load_ReportsLineOfRecord_AfterAQuotedLineBreak()
    {
        var result = Load(("readers", Csv("email,name\nada@example.com,\"Two\nLines\"\nbad,Bob\n")));

        Assert.StartsWith("lists/readers.csv line 4 (list 'readers'): 'bad'", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Load_WarnsAndKeepsFirst_WhenInlineAddressIsDuplicatedIgnoringCase()
    {
        var result = Load(("sample", Inline("ada@example.com", "bob@example.org", "ADA@example.com")));

        Assert.Empty(result.Errors);
        var warning = Assert.Single(result.Warnings).ToString();
        Assert.StartsWith("Newsletter:Lists:sample:Subscribers:2:Email: 'ADA@example.com' duplicates Newsletter:Lists:sample:Subscribers:0:Email", warning);
        Assert.Equal(["ada@example.com", "bob@example.org"], Assert.Single(result.Lists).Subscribers.Select(s => s.Email));
    }

    [Fact]
    public void Load_WarnsAndKeepsFirst_WhenAddressesDifferOnlyInNonAsciiCase()
    {
        var result = Load(("sample", Inline("ÉLODIE@example.com", "bob@example.org", "élodie@example.com")));

        var warning = Assert.Single(result.Warnings).ToString();
        Assert.StartsWith("Newsletter:Lists:sample:Subscribers:2:Email: 'élodie@example.com' duplicates Newsletter:Lists:sample:Subscribers:0:Email", warning);
        Assert.Equal(["ÉLODIE@example.com", "bob@example.org"], Assert.Single(result.Lists).Subscribers.Select(s => s.Email));
    }

    [Fact]
    public void Load_WarnsWithBothLines_WhenCsvAddressIsDuplicated()
    {
        var result = Load(("readers", Csv("email\nada@example.com\nbob@example.org\nAda@Example.com\n")));

        var warning = Assert.Single(result.Warnings).ToString();
        Assert.StartsWith("lists/readers.csv line 4 (list 'readers'): 'Ada@Example.com' duplicates line 2", warning);
        Assert.Equal(2, Assert.Single(result.Lists).Subscribers.Count());
        Assert.Equal(2, Assert.Single(result.Lists).SubscriberCount);
    }

    [Fact]
    public void Load_ReportsError_WhenListHasNeitherSubscribersNorFile()
    {
        var result = Load(("empty", new MailingListOptions { DisplayName = "Nobody" }));

        Assert.StartsWith("Newsletter:Lists:empty: has neither Subscribers nor SubscribersFile", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Load_ReportsError_WhenDisplayNameIsMissing()
    {
        var result = Load(("sample", new MailingListOptions { Subscribers = [new() { Email = "ada@example.com" }] }));

        Assert.StartsWith("Newsletter:Lists:sample:DisplayName: is required", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Load_ReportsError_WhenListNameCannotBeUsedInListId()
    {
        var result = Load(("my list", Inline("ada@example.com")));

        Assert.StartsWith("Newsletter:Lists:my list: 'my list' is not a usable list name", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Load_KeepsValidLists_WhenAnotherListHasErrors()
    {
        var result = Load(("good", Inline("ada@example.com")), ("bad", Inline("nope")));

        Assert.Equal("good", Assert.Single(result.Lists).Name);
        Assert.Equal("bad", Assert.Single(result.Errors).ListName);
    }

    [Fact]
    public void Load_ReportsError_WhenCsvIsNotUtf8()
    {
        _folder.File("lists/latin1.csv", "");
        File.WriteAllBytes(Path.Combine(_folder.Path, "lists/latin1.csv"), [.. "email,name\nada@example.com,Jos"u8, 0xE9, (byte)'\n']);

        var result = Load(("readers", new MailingListOptions { DisplayName = "Readers", SubscribersFile = "lists/latin1.csv" }));

        Assert.Contains("is not valid UTF-8", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Load_SummarisesErrors_WhenAFileHasMoreThanTheLimit()
    {
        var rows = string.Join("\n", Enumerable.Range(0, MailingListLoader.MaxProblemsPerList + 5).Select(i => $"bad{i}"));

        var result = Load(("readers", Csv("email\n" + rows + "\n")));

        Assert.Equal(MailingListLoader.MaxProblemsPerList + 1, result.Errors.Count);
        Assert.Contains("5 more like the above", result.Errors[^1].ToString());
    }

    [Fact]
    public void Subscribers_AreReadFromTheCsvWhenEnumerated_NotHeldFromLoad()
    {
        var result = Load(("readers", Csv("email,name\nada@example.com,Ada\n")));
        _folder.File("lists/readers.csv", "email,name\nada@example.com,Ada\nbob@example.org,Bob\n");

        Assert.Equal(["ada@example.com", "bob@example.org"], Assert.Single(result.Lists).Subscribers.Select(s => s.Email));
    }

    [Fact]
    public void SubscriberCount_CountsEachAddressOnce_AsValidated()
    {
        var result = Load(("readers", Csv("email\nada@example.com\nbob@example.org\nADA@example.com\n")));

        Assert.Equal(2, Assert.Single(result.Lists).SubscriberCount);
    }

    [Fact]
    public void Load_AcceptsAListWithNoSubscribers_WhenItTakesSignups()
    {
        var result = Load(("web", new MailingListOptions
        {
            DisplayName = "Web readers",
            Signup = new ListSignupOptions { Enabled = true, ConsentText = "Send me the weekly issue." },
        }));

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        Assert.Equal(0, Assert.Single(result.Lists).SubscriberCount);
    }

    [Fact]
    public void Load_ReportsTheMissingConsentText_WhenSignupIsEnabledWithoutIt()
    {
        var options = Inline("ada@example.com");
        options.Signup = new ListSignupOptions { Enabled = true };

        var error = Assert.Single(Load(("sample", options)).Errors);

        Assert.Contains("Newsletter:Lists:sample:Signup:ConsentText", error.ToString());
        Assert.Contains("is required when Signup:Enabled is true", error.ToString());
    }
}
