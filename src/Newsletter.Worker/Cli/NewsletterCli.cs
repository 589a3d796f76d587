using System.CommandLine;

namespace Newsletter.Worker.Cli;

/// <summary>The <c>newsletter</c> command line.</summary>
public static class NewsletterCli
{
    public static RootCommand Build() =>
        new("Newsletter: compose the week's issue from stored stories, render it, and deliver it to your lists.\n" +
            "Run it from the folder holding appsettings.json; Newsletter__Section__Key environment variables override that file.")
        {
            PublishCommand.Build(),
            StoriesCommands.Build(),
            IssueCommands.Build(),
            ListsCommands.Build(),
            SendCommands.BuildSend(),
            SendCommands.BuildStatus(),
            ReportCommand.Build(),
            SendCommands.BuildPause(),
            SendCommands.BuildResume(),
            SendCommands.BuildCancel(),
            BouncesCommands.Build(),
            CheckCommand.Build(),
            RunCommand.Build(),
        };
}
