using System.Net.Http.Headers;
using System.Text;
using PerfCluster.Core.Alerts;

namespace PerfCluster.Engine.Alerts;

/// <summary>What became of one webhook: delivered or not, after how many attempts, and the last problem.</summary>
public sealed record WebhookDelivery(Uri Url, bool Delivered, int Attempts, string? LastProblem);

/// <summary>
/// POSTs an alert as JSON to a webhook, retrying with back-off (<see cref="RetryPolicy"/>) on network
/// errors, timeouts, 408, 429 and 5xx; any other answer ends the attempts.
/// </summary>
public static class WebhookSender
{
    public static async Task<WebhookDelivery> SendAsync(HttpClient http, Uri url, string json, RetryPolicy policy, CancellationToken cancel)
    {
        string? problem = null;
        for (var attempt = 1; ; attempt++)
        {
            int? status = null;
            try
            {
                using var content = new StringContent(json, Encoding.UTF8);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                using var response = await http.PostAsync(url, content, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return new WebhookDelivery(url, true, attempt, null);
                status = (int)response.StatusCode;
                problem = $"HTTP {status}";
            }
            catch (HttpRequestException e)
            {
                problem = e.Message;
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                problem = "no answer within 5 s";
            }
            if (!RetryPolicy.IsRetryable(status) || policy.DelayAfter(attempt) is not { } delay)
                return new WebhookDelivery(url, false, attempt, problem);
            await Task.Delay(delay, cancel).ConfigureAwait(false);
        }
    }
}
