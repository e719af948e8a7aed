package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.LinkedHashMap;
import java.util.Map;

/** A RequestHandler: the event and the result are JSON, (de)serialized by the runtime. */
public class Hello implements RequestHandler<Map<String, Object>, Map<String, Object>> {
  @Override
  public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
    Object name = event.getOrDefault("name", "world");
    if ("fail".equals(name)) {
      throw new IllegalStateException("no greeting for " + name);
    }
    // Outside Lambda's framed log pipe the runtime client writes log() calls to stdout as they
    // are: end each message with a newline so it is a line of its own.
    context.getLogger().log("greeting " + name + "\n");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("greeting", System.getenv().getOrDefault("GREETING", "Hello") + ", " + name + "!");
    out.put("requestId", context.getAwsRequestId());
    out.put("java", System.getProperty("java.specification.version"));
    return out;
  }
}
