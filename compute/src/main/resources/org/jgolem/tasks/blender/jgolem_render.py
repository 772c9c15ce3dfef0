# jgolem's Blender render script, staged next to the scene in every Blender subtask's resources and run as
#   blender -b --factory-startup -noaudio /golem/resources/SCENE --python /golem/resources/jgolem_render.py
# (by jgolem_blender.sh on providers). It reads jgolem_job.json beside it, applies the task's settings so that the
# render is repeatable whatever the scene file says (Cycles on the CPU, fixed samples and seed, no adaptive sampling,
# no denoising, the task's resolution at 100 %, no compositing, sequencer, stamps or dither, a fixed thread count),
# then renders each entry of "renders" (a frame, optionally cropped to a border) and saves it under its file name in
# the output folder ($GOLEM_OUTPUT on the host, /golem/output in a container).
# With $JGOLEM_SERVE set (a folder with the FIFOs "jobs" and "done", made by jgolem_blender.sh), it is a render
# server for the subtasks of one task in one sandbox: for each line read from "jobs" it reads the job file again,
# renders it with the scene kept loaded and synced, and writes its status (0 or 1) to "done". A server started
# without a scene (a warm sandbox, readied before any task came) loads the scene the job names; the line "warm"
# asks it to pay Blender's first-render costs (Cycles' set-up, the default view's colour processor) on the factory
# scene at a few pixels, with nothing kept for the task's renders.
import json
import os
import sys

import bpy

here = os.path.dirname(os.path.abspath(__file__))
out = os.environ.get("GOLEM_OUTPUT", "/golem/output")


def render_job():
    with open(os.path.join(here, "jgolem_job.json")) as f:
        job = json.load(f)
    scene = os.path.join(here, job["scene"]) if job.get("scene") else None
    if scene is None and not bpy.data.filepath:
        # a warm server has no scene of its own: never render the factory scene for a job that names none
        raise RuntimeError("the job names no scene and this render server has none loaded")
    if scene and os.path.abspath(bpy.data.filepath or "/") != os.path.abspath(scene):
        # as "blender -b --factory-startup SCENE" would have loaded it: no UI, no scripts from the file run
        bpy.ops.wm.open_mainfile(filepath=scene, load_ui=False, use_scripts=False)
    s = bpy.context.scene
    s.render.engine = "CYCLES"
    c = s.cycles
    c.device = "CPU"
    c.samples = int(job["samples"])
    c.use_adaptive_sampling = False
    c.seed = int(job["seed"])
    c.use_animated_seed = False
    c.use_denoising = False
    r = s.render
    r.resolution_x = int(job["width"])
    r.resolution_y = int(job["height"])
    r.resolution_percentage = 100
    r.pixel_aspect_x = 1
    r.pixel_aspect_y = 1
    r.use_compositing = False
    r.use_sequencer = False
    r.use_stamp = False
    # keep the synced scene between the renders of one job: a crop after the first then costs milliseconds, not a
    # scene sync and BVH build each (measured: the pixels are the same as without it)
    r.use_persistent_data = True
    r.dither_intensity = 0  # no random dither noise in 8-bit output: honest renders of the same pixels match
    r.threads_mode = "FIXED"
    r.threads = int(job["threads"])
    i = r.image_settings
    if job["format"] == "PNG":
        i.file_format = "PNG"
        i.color_mode = "RGB"
        i.color_depth = "8"
        i.compression = 15
    else:
        i.file_format = "OPEN_EXR"
        i.color_mode = "RGB"
        i.color_depth = "32"
        i.exr_codec = "NONE"

    for item in job["renders"]:
        s.frame_set(int(item["frame"]))
        border = item.get("border")
        r.use_border = border is not None
        if border is not None:
            r.use_crop_to_border = True
            r.border_min_x, r.border_max_x, r.border_min_y, r.border_max_y = border
        bpy.ops.render.render()
        bpy.data.images["Render Result"].save_render(os.path.join(out, item["file"]), scene=s)
        print("jgolem: rendered frame", item["frame"], "border", border, "into", item["file"])
        sys.stdout.flush()


def warm_up():
    s = bpy.context.scene
    s.render.engine = "CYCLES"
    s.cycles.device = "CPU"
    s.cycles.samples = 1
    s.cycles.use_denoising = False
    s.render.resolution_x = 8
    s.render.resolution_y = 8
    s.render.resolution_percentage = 100
    s.render.use_persistent_data = False
    bpy.ops.render.render()
    path = os.path.join("/tmp", "jgolem-warm-%d.png" % os.getpid())
    bpy.data.images["Render Result"].save_render(path, scene=s)
    os.remove(path)
    print("jgolem: warm")


serve = os.environ.get("JGOLEM_SERVE")
if not serve:
    render_job()
else:
    while True:
        with open(os.path.join(serve, "jobs")) as f:
            line = f.readline()
        if not line:
            continue  # the client went away before asking
        status = "0"
        try:
            if line.strip() == "warm":
                warm_up()
            else:
                render_job()
        except Exception:
            import traceback
            traceback.print_exc()
            status = "1"
        sys.stdout.flush()
        sys.stderr.flush()
        with open(os.path.join(serve, "done"), "w") as f:
            f.write(status + "\n")
