package conformance;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Conformance function for java* (see ../../README.md). */
public class Handler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
  private static int count = 0;
  private static final List<byte[]> HOARD = new ArrayList<>();

  @Override
  public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
    String action = String.valueOf(event.get("action"));
    Map<String, Object> out = new LinkedHashMap<>();
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"), "conformance.txt");
    try {
      switch (action) {
        case "echo":
          return event;
        case "log":
          context.getLogger().log("conformance-log " + event.get("value") + "\n");
          out.put("logged", event.get("value"));
          return out;
        case "context":
          out.put("functionName", context.getFunctionName());
          out.put("functionVersion", context.getFunctionVersion());
          out.put("invokedFunctionArn", context.getInvokedFunctionArn());
          out.put("memoryLimitInMB", String.valueOf(context.getMemoryLimitInMB()));
          out.put("awsRequestId", context.getAwsRequestId());
          out.put("logGroupName", context.getLogGroupName());
          out.put("logStreamName", context.getLogStreamName());
          out.put("remainingTimeInMillis", context.getRemainingTimeInMillis());
          return out;
        case "env":
          for (Object name : (List<?>) event.get("names")) {
            String n = String.valueOf(name);
            String v = System.getenv(n);
            if (v == null && n.equals("_X_AMZN_TRACE_ID")) {
              v = System.getProperty("com.amazonaws.xray.traceHeader");
            }
            out.put(n, v);
          }
          return out;
        case "error":
          throw new RuntimeException("boom");
        case "count":
          count += 1;
          out.put("count", count);
          return out;
        case "tmp-write":
          Files.writeString(tmp, String.valueOf(event.get("value")), StandardCharsets.UTF_8);
          out.put("written", event.get("value"));
          return out;
        case "tmp-read":
          out.put("value", Files.readString(tmp, StandardCharsets.UTF_8));
          return out;
        case "sleep":
          long ms = ((Number) event.get("ms")).longValue();
          Thread.sleep(ms);
          out.put("slept", ms);
          return out;
        case "blowup":
          while (true) {
            byte[] chunk = new byte[4 * 1024 * 1024];
            Arrays.fill(chunk, (byte) 1);
            HOARD.add(chunk);
            Thread.sleep(10);
          }
        default:
          throw new IllegalArgumentException("unknown action " + action);
      }
    } catch (IOException | InterruptedException e) {
      throw new RuntimeException(e);
    }
  }
}
