using Newsletter.Worker.Cli;

return await NewsletterCli.Build().Parse(args).InvokeAsync();
