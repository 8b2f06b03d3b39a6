using System.Collections.Generic;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.AspNetCore.Tests.Support;

/// <summary>Authenticates a request that carries X-Tenant, with that tenant as a claim ("-": a user without one).</summary>
internal sealed class TenantHeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string Name = "header";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue("X-Tenant", out var tenant))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var claims = tenant.ToString() == "-" ? new List<Claim>() : [new Claim("tenant", tenant.ToString())];
        var identity = new ClaimsIdentity(claims, Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Name)));
    }
}
